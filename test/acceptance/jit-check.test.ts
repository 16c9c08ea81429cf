// Acceptance (jit check): the example config passes at the default threshold; a deliberately
// weak one fails with exit 1 and its findings; SARIF goes to stdout or a file; bad flags are
// invalid input (exit 2).
//
// `jit check --live`, as a separate process, against the Identity Center emulator (its own
// process, provisioned from the example config with `jit apply`) and the Entra emulator
// (seeded, PIM policies written through Graph), over real HTTP with the real SDK clients
// and fetch: the provisioned state gives only the expected findings; state changed behind
// jit's back (a PIM rule through Graph, a group nested through Graph, an assignment and a
// membership through the AWS SDK, the revocation SCP detached) gives each live finding; an
// unreachable endpoint or refused credentials is one line and exit 2.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateGroupMembershipCommand } from '@aws-sdk/client-identitystore';
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DetachPolicyCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  ListInstancesCommand,
} from '@aws-sdk/client-sso-admin';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityCenterIds } from '../../src/adapters/aws/identity-center-ids.js';
import {
  emptyRevocationScp,
  REVOCATION_SCP_DESCRIPTION,
  REVOCATION_SCP_TAG,
} from '../../src/adapters/aws/revocation/scp-session-revoker.js';
import { odataString } from '../../src/adapters/entra/graph-client.js';
import { loadConfigFile } from '../../src/config/index.js';
import {
  ENTRA_SANDBOX_APP,
  ENTRA_SANDBOX_TENANT_ID,
} from '../../src/emulators/entra/entra-emulator-options.js';
import { startEntraSandbox, type EntraSandbox } from '../../src/sandbox/entra-sandbox.js';
import { openStore } from '../../src/store/open-store.js';
import { LIVE_AUTH_YAML } from '../harness/config-builders.js';
import {
  emulatorTestClients,
  type EmulatorTestClients,
} from '../harness/identity-center-clients.js';
import {
  awsEnvironment,
  EmulatorProcess,
  ROOT,
  runJit,
  Workspace,
  type CliResult,
} from '../support/jit-process.js';

const WEAK = `mode: sandbox
permissionSets:
  Admin:
    sessionDuration: PT8H
    managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess]
roles:
  admin:
    group: JIT-Admin
    permissionSet: Admin
    accounts: ['111111111111']
    activation: { maxDuration: PT1H, approval: { required: false } }
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com }
`;

describe('jit check', () => {
  it('passes the example config at the default threshold, with the access windows', async () => {
    const result = await runJit(['check', '--config', 'examples/jit.config.yaml']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('WORST CASE, CONTROLLER UP');
    const strict = await runJit([
      'check',
      '--config',
      'examples/jit.config.yaml',
      '--fail-on',
      'medium',
    ]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/finding\(s\) at or above medium/);
  });

  it('fails a weak config with exit 1, --json and SARIF naming the rules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jit-check-'));
    const config = join(dir, 'weak.yaml');
    await writeFile(config, WEAK);
    const json = await runJit(['--json', 'check', '--config', config]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { findings: { rule: string; severity: string }[] };
    expect(report.findings.map((f) => `${f.rule} ${f.severity}`)).toEqual([
      'JIT001 high',
      'JIT003 high',
      'JIT002 low',
    ]);

    const sarifFile = join(dir, 'check.sarif');
    const written = await runJit([
      'check',
      '--config',
      config,
      '--sarif',
      sarifFile,
      '--fail-on',
      'none',
    ]);
    expect(written.code).toBe(0);
    const sarif = JSON.parse(await readFile(sarifFile, 'utf8')) as {
      version: string;
      runs: { results: unknown[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results).toHaveLength(3);

    const piped = await runJit(['check', '--config', config, '--sarif', '-', '--fail-on', 'none']);
    expect((JSON.parse(piped.stdout) as { version: string }).version).toBe('2.1.0');
  });

  it('refuses an unknown --fail-on with exit 2', async () => {
    const result = await runJit([
      'check',
      '--config',
      'examples/jit.config.yaml',
      '--fail-on',
      'severe',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/fail-on/);
  });

  it('refuses --endpoint without --live, and --live on a sandbox config without --endpoint', async () => {
    const endpoint = await runJit([
      'check',
      '--config',
      'examples/jit.config.yaml',
      '--endpoint',
      'http://127.0.0.1:9',
    ]);
    expect(endpoint.code).toBe(2);
    expect(endpoint.stderr).toMatch(/--endpoint and --entra-endpoint go with --live/);
    const live = await runJit(['check', '--config', 'examples/jit.config.yaml', '--live']);
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/pass --endpoint with the Identity Center emulator's URL/);
  });
});

interface LiveReport {
  readonly findings: {
    rule: string;
    severity: string;
    resource: string;
    message: string;
    controls: { soc2: string[]; iso27001: string[]; cisAws: string[] };
  }[];
  readonly notChecked: { rule: string; reason: string; partly: boolean }[];
  readonly rules: { id: string; controls: unknown }[];
}

const sarifSchema = JSON.parse(
  await readFile(join(ROOT, 'test', 'fixtures', 'sarif', 'sarif-2.1.0-rtm.5.json'), 'utf8'),
) as object;
const validateSarif = addFormats
  .default(new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false }))
  .compile(sarifSchema);

describe('jit check --live against the emulators', () => {
  let ws: Workspace;
  let emulator: EmulatorProcess;
  let entra: EntraSandbox;
  let clients: EmulatorTestClients;
  let ids: IdentityCenterIds;
  let exampleText: string;

  beforeAll(async () => {
    exampleText = await readFile(join(ROOT, 'examples', 'jit.config.yaml'), 'utf8');
    ws = await Workspace.create(() => exampleText);
    // The Identity Center emulator as its own process, provisioned from the example config
    // (its seeding is jit's own apply); `jit apply` then finds nothing left to do.
    emulator = await EmulatorProcess.start(ws.configPath);
    const applied = await runJit(
      ['apply', '--config', ws.configPath, '--endpoint', emulator.url],
      {},
      ws.dir,
    );
    expect(applied.code, applied.stderr).toBe(0);
    const loaded = await loadConfigFile(ws.configPath);
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    // The Entra emulator, its PIM policies written through Graph as for a real tenant.
    entra = await startEntraSandbox({ config: loaded.config, clock: { now: () => Date.now() } });
    clients = emulatorTestClients(emulator.url, 3);
    const instance = (await clients.ssoAdmin.send(new ListInstancesCommand({}))).Instances?.[0];
    ids = new IdentityCenterIds({
      ssoAdmin: clients.ssoAdmin,
      identityStore: clients.identityStore,
      instanceArn: instance?.InstanceArn ?? '',
      identityStoreId: instance?.IdentityStoreId ?? '',
      clock: { now: () => Date.now() },
      cacheTtlMs: 0,
    });
  }, 90_000);

  afterAll(async () => {
    clients.destroy();
    await entra.close();
    await emulator.stop();
    await ws.dispose();
  });

  const check = (extra: readonly string[] = []): Promise<CliResult> =>
    runJit(
      [
        '--json',
        'check',
        '--config',
        ws.configPath,
        '--live',
        '--endpoint',
        emulator.url,
        '--entra-endpoint',
        entra.emulator.url,
        ...extra,
      ],
      {},
      ws.dir,
    );

  const liveFindings = (report: LiveReport): string[] =>
    report.findings
      .filter((f) => f.rule >= 'JIT008')
      .map((f) => `${f.rule} ${f.severity} ${f.resource}`);

  async function rootId(): Promise<string> {
    return (await clients.organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  }

  let policyId = '';

  it('finds only what is expected in the provisioned example: the SCIM expiry unrecorded, the SCP not made yet, the store absent', async () => {
    const result = await check();
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as LiveReport;
    expect(liveFindings(report)).toEqual([
      'JIT009 low check.scimTokenExpiresAt',
      'JIT013 low aws.revocation',
    ]);
    expect(report.notChecked).toEqual([
      { rule: 'JIT012', partly: false, reason: expect.stringMatching(/^no store at /) as string },
    ]);
    expect(result.stderr).toMatch(/warning: JIT012 not checked: no store at/);
    expect(report.rules.map((r) => r.id)).toContain('JIT013');
  });

  it('finds nothing live once the SCP is deployed, the SCIM expiry recorded and a store holds the grants', async () => {
    // As the organization stack deploys it (the controller attaches it).
    const created = await clients.organizations.send(
      new CreatePolicyCommand({
        Name: 'JitSessionRevocation',
        Type: 'SERVICE_CONTROL_POLICY',
        Description: REVOCATION_SCP_DESCRIPTION,
        Content: emptyRevocationScp(),
        Tags: [{ ...REVOCATION_SCP_TAG }],
      }),
    );
    policyId = created.Policy?.PolicySummary?.Id ?? '';
    await clients.organizations.send(
      new AttachPolicyCommand({ PolicyId: policyId, TargetId: await rootId() }),
    );
    const expires = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
    await writeFile(ws.configPath, `${exampleText}check:\n  scimTokenExpiresAt: ${expires}\n`);
    // An empty store: no grants are active.
    await mkdir(join(ws.dir, '.jit'), { recursive: true });
    const store = await openStore({ sqlitePath: join(ws.dir, '.jit', 'jit.db') });
    await store.close();

    const result = await check();
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as LiveReport;
    expect(liveFindings(report)).toEqual([]);
    expect(report.notChecked).toEqual([]);
  });

  it('finds each change made behind its back, with its controls, in JSON and in valid SARIF', async () => {
    const graph = entra.adapters.graph;
    const opsGroup = entra.groups.get('prod-ops') ?? '';
    // 1. A PIM rule changed through Graph: activations of up to 8 hours.
    const [assignment] = await graph.listAll<{
      policy?: { id: string; rules?: { id: string; [key: string]: unknown }[] };
    }>('/policies/roleManagementPolicyAssignments', {
      query: {
        $filter: `scopeId eq ${odataString(opsGroup)} and scopeType eq 'Group' and roleDefinitionId eq 'member'`,
        $expand: 'policy($expand=rules)',
      },
    });
    const rule = assignment?.policy?.rules?.find((r) => r.id === 'Expiration_EndUser_Assignment');
    await graph.patch(
      `/policies/roleManagementPolicies/${assignment?.policy?.id ?? ''}/rules/Expiration_EndUser_Assignment`,
      { ...rule, maximumDuration: 'PT8H' },
    );
    // 2. A group nested in the PIM group through Graph.
    const [developers] = await graph.listAll<{ id: string }>('/groups', {
      query: { $filter: "displayName eq 'developers'" },
    });
    await graph.post(`/groups/${opsGroup}/members/$ref`, {
      '@odata.id': `${entra.emulator.graphUrl}/directoryObjects/${developers?.id ?? ''}`,
    });
    // 3. An account assignment of a managed permission set made directly through the SDK.
    const made = await clients.ssoAdmin.send(
      new CreateAccountAssignmentCommand({
        InstanceArn: ids.instanceArn,
        TargetId: '111111111111',
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: await ids.permissionSetArn('EC2Admin'),
        PrincipalType: 'USER',
        PrincipalId: await ids.userId('erin@example.com'),
      }),
    );
    for (let i = 0; i < 50; i++) {
      const status = await clients.ssoAdmin.send(
        new DescribeAccountAssignmentCreationStatusCommand({
          InstanceArn: ids.instanceArn,
          AccountAssignmentCreationRequestId: made.AccountAssignmentCreationStatus?.RequestId ?? '',
        }),
      );
      if (status.AccountAssignmentCreationStatus?.Status !== 'IN_PROGRESS') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // 4. A member of a managed group that no grant backs.
    await clients.identityStore.send(
      new CreateGroupMembershipCommand({
        IdentityStoreId: ids.identityStoreId,
        GroupId: await ids.groupId('JIT-EC2-Admin'),
        MemberId: { UserId: await ids.userId('alice@example.com') },
      }),
    );
    // 5. The revocation SCP detached.
    await clients.organizations.send(
      new DetachPolicyCommand({ PolicyId: policyId, TargetId: await rootId() }),
    );

    const result = await check();
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/finding\(s\) at or above high/);
    const report = JSON.parse(result.stdout) as LiveReport;
    expect(liveFindings(report)).toEqual([
      'JIT008 high roles.prod-ops',
      'JIT010 high roles.prod-ops',
      'JIT011 high permissionSets.EC2Admin.assignments.111111111111.user:erin@example.com',
      'JIT012 high roles.ec2-admin.members.alice@example.com',
      'JIT013 high aws.revocation',
    ]);
    const byRule = new Map(report.findings.map((f) => [f.rule, f]));
    expect(byRule.get('JIT008')?.message).toMatch(
      /maximumDuration: PT8H in Entra \(config: PT2H\)/,
    );
    expect(byRule.get('JIT010')?.message).toMatch(/group developers is a member of JIT-Prod-Ops/);
    expect(byRule.get('JIT013')?.message).toMatch(/is not attached to r-/);
    expect(byRule.get('JIT012')?.controls).toEqual({
      soc2: ['CC6.2', 'CC6.3', 'CC7.1'],
      iso27001: ['5.18', '8.2'],
      cisAws: [],
    });

    const sarif = await check(['--sarif', '-', '--fail-on', 'none']);
    expect(sarif.code, sarif.stderr).toBe(0);
    const log = JSON.parse(sarif.stdout) as {
      runs: {
        tool: { driver: { rules: { id: string; properties: { tags: string[] } }[] } };
        results: { ruleId: string }[];
      }[];
    };
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const rules = log.runs[0]?.tool.driver.rules ?? [];
    expect(rules.find((r) => r.id === 'JIT013')?.properties.tags).toEqual([
      'security',
      'SOC2:CC6.2',
      'SOC2:CC7.1',
      'ISO27001:2022:A.5.18',
      'ISO27001:2022:A.8.2',
      'ISO27001:2022:A.8.9',
    ]);
    expect(log.runs[0]?.results.map((r) => r.ruleId)).toEqual(
      expect.arrayContaining(['JIT008', 'JIT010', 'JIT011', 'JIT012', 'JIT013']),
    );
  });

  it('says in one line, exit 2, when an endpoint cannot be reached', async () => {
    for (const args of [
      ['--endpoint', 'http://127.0.0.1:9', '--entra-endpoint', entra.emulator.url],
      ['--endpoint', emulator.url, '--entra-endpoint', 'http://127.0.0.1:9'],
    ]) {
      const result = await runJit(
        ['check', '--config', ws.configPath, '--live', ...args],
        {},
        ws.dir,
      );
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^error: jit check --live: /);
      expect(result.stderr).not.toMatch(/\n\s+at |will try again/);
    }
  });

  it('says in one line, exit 2, when the credentials are refused (Graph) or missing (AWS)', async () => {
    const live = `mode: live
permissionSets:
  ReadOnly:
    sessionDuration: PT1H
    managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    permissionsBoundary: { customerManagedPolicy: { name: JitPermissionsBoundary } }
roles:
  prod-ops:
    source: entra-pim
    group: JIT-Prod-Ops
    permissionSet: ReadOnly
    accounts: ['111111111111']
    activation:
      maxDuration: PT2H
      requireJustification: true
      requireMfa: true
      approval: { required: false }
    eligibility: { members: [alice@example.com], maxEligibility: P90D }
entra:
  tenantId: ${ENTRA_SANDBOX_TENANT_ID}
  clientId: ${ENTRA_SANDBOX_APP.clientId}
  clientSecretEnv: JIT_ENTRA_CLIENT_SECRET
  authority: ${entra.emulator.url}
  graphUrl: ${entra.emulator.graphUrl}
${LIVE_AUTH_YAML.join('\n')}
`;
    const path = join(ws.dir, 'live.yaml');
    await writeFile(path, live);
    const aws = awsEnvironment(emulator.url, ws.dir);
    const refused = await runJit(
      ['check', '--config', path, '--live'],
      { ...aws, JIT_ENTRA_CLIENT_SECRET: 'not-the-secret' },
      ws.dir,
    );
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^error: jit check --live: reading Entra failed: /);
    expect(refused.stderr).not.toContain('not-the-secret');

    const noKeys = await runJit(
      ['check', '--config', path, '--live'],
      {
        ...aws,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        JIT_ENTRA_CLIENT_SECRET: ENTRA_SANDBOX_APP.clientSecret,
      },
      ws.dir,
    );
    expect(noKeys.code, noKeys.stderr).toBe(2);
    expect(noKeys.stderr.trim().split('\n')).toHaveLength(1);
    expect(noKeys.stderr).toMatch(/no AWS credentials/);
  });
});
