// Acceptance (provisioning as code, Identity Center): `jit plan` and `jit apply` as separate
// processes against the Identity Center emulator as its own process, with a live config
// reaching it the way a deployment reaches AWS (AWS_ENDPOINT_URL_*, keys from the
// environment). The emulator is seeded first with objects jit does not manage (a Legacy
// permission set, its group and assignment); they must be exactly the same at the end.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetGroupIdCommand } from '@aws-sdk/client-identitystore';
import {
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListPermissionSetsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sso-admin';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentOperations } from '../../infra/lib/sent-commands.js';
import {
  emulatorTestClients,
  type EmulatorTestClients,
} from '../harness/identity-center-clients.js';
import { LIVE_AUTH_YAML } from '../harness/config-builders.js';
import {
  awsEnvironment,
  EmulatorProcess,
  ROOT,
  runJit,
  Workspace,
  type CliResult,
} from '../support/jit-process.js';

/** What the emulator starts with: the organisation's accounts, and one role jit will not
 *  manage (its tag is taken off after seeding). */
const SEED = `mode: sandbox
permissionSets:
  Legacy:
    sessionDuration: PT2H
    managedPolicies: [arn:aws:iam::aws:policy/ViewOnlyAccess]
roles:
  legacy:
    group: Legacy-Team
    permissionSet: Legacy
    accounts: ['111111111111', '222222222222']
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com }
`;

function liveConfig(
  options: { ec2Duration?: string; withReadOnly?: boolean; ou?: string } = {},
): string {
  return `mode: live
permissionSets:
  EC2Admin:
    description: EC2 administration, just in time
    sessionDuration: ${options.ec2Duration ?? 'PT1H'}
    managedPolicies: [arn:aws:iam::aws:policy/AmazonEC2FullAccess]
    inlinePolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:DeleteVpc","Resource":"*"}]}'
    permissionsBoundary: { customerManagedPolicy: { name: JitPermissionsBoundary } }
    tags: { team: platform }
${
  options.withReadOnly === false
    ? ''
    : `  ReadOnly:
    sessionDuration: PT4H
    managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    permissionsBoundary: { customerManagedPolicy: { name: JitPermissionsBoundary } }
`
}roles:
  ec2-admin:
    group: JIT-EC2-Admin
    permissionSet: EC2Admin
    accounts: ['111111111111', '222222222222']
    eligibility: { members: [alice@example.com] }
${
  options.withReadOnly === false
    ? ''
    : `  read-only:
    group: JIT-ReadOnly
    permissionSet: ReadOnly
    accounts: ['111111111111']
    eligibility: { members: [alice@example.com] }
`
}${
    options.ou === undefined
      ? ''
      : `  workloads-read-only:
    group: JIT-Workloads-ReadOnly
    permissionSet: ReadOnly
    organizationalUnits: [${options.ou}]
    eligibility: { members: [alice@example.com] }
`
  }${LIVE_AUTH_YAML.join('\n')}
`;
}

let emulator: EmulatorProcess;
let ws: Workspace;
let clients: EmulatorTestClients;
let instanceArn: string;
let env: Record<string, string>;

beforeAll(async () => {
  ws = await Workspace.create(() => liveConfig());
  const seedPath = join(ws.dir, 'seed.yaml');
  await writeFile(seedPath, SEED);
  emulator = await EmulatorProcess.start(seedPath);
  clients = emulatorTestClients(emulator.url, 3);
  const info = (await (await fetch(`${emulator.url}/_emulator/info`)).json()) as {
    instanceArn: string;
  };
  instanceArn = info.instanceArn;
  // The emulator's seeding is jit's own apply, which tags what it makes; Legacy stands for
  // what another tool made, so it loses the tag.
  const legacy = Object.entries(await snapshot()).find(([name]) => name === 'Legacy')?.[1] as
    { arn: string } | undefined;
  if (legacy === undefined) throw new Error('the seed has no Legacy permission set');
  await clients.ssoAdmin.send(
    new UntagResourceCommand({
      InstanceArn: instanceArn,
      ResourceArn: legacy.arn,
      TagKeys: ['managed-by'],
    }),
  );
  env = awsEnvironment(emulator.url, ws.dir);
  // From here on the emulator counts what jit plan/apply (and the test's own reads) send.
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST', body: '{}' });
}, 60_000);

afterAll(async () => {
  await emulator.stop();
  await ws.dispose();
});

const jit = (args: readonly string[]): Promise<CliResult> =>
  runJit([...args, '--config', ws.configPath], env, ws.dir);

async function planJson(extra: readonly string[] = []): Promise<{
  code: number;
  doc: { changes: { kind: string; name?: string; changes?: { field: string }[] }[] };
  raw: unknown;
}> {
  const result = await jit(['--json', 'plan', ...extra]);
  expect([0, 3], result.stderr).toContain(result.code);
  const raw = JSON.parse(result.stdout) as unknown;
  return { code: result.code, doc: raw as never, raw };
}

async function calls(operation: string): Promise<number> {
  const body = (await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as {
    operations: Record<string, { calls: number }>;
  };
  return body.operations[operation]?.calls ?? 0;
}

/** Everything Identity Center holds, as plain data, for before/after comparisons. */
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const listed = await clients.ssoAdmin.send(
    new ListPermissionSetsCommand({ InstanceArn: instanceArn }),
  );
  for (const arn of listed.PermissionSets ?? []) {
    const ps = (
      await clients.ssoAdmin.send(
        new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }),
      )
    ).PermissionSet;
    const tags = (
      await clients.ssoAdmin.send(
        new ListTagsForResourceCommand({ InstanceArn: instanceArn, ResourceArn: arn }),
      )
    ).Tags;
    const assignments: string[] = [];
    for (const account of ['111111111111', '222222222222']) {
      const page = await clients.ssoAdmin.send(
        new ListAccountAssignmentsCommand({
          InstanceArn: instanceArn,
          AccountId: account,
          PermissionSetArn: arn,
        }),
      );
      for (const a of page.AccountAssignments ?? [])
        assignments.push(`${a.PrincipalType ?? ''}:${a.PrincipalId ?? ''}@${account}`);
    }
    out[ps?.Name ?? arn] = {
      arn,
      duration: ps?.SessionDuration,
      tags,
      assignments: assignments.sort(),
    };
  }
  return out;
}

describe('jit plan and jit apply against the Identity Center emulator', () => {
  let legacyBefore: unknown;

  it('plans every object from empty, applies it, and then plans no change (exit 0)', async () => {
    legacyBefore = (await snapshot())['Legacy'];
    expect(legacyBefore).toBeDefined();
    const first = await planJson();
    expect(first.code).toBe(3);
    expect(first.doc.changes.map((c) => c.kind).sort()).toEqual([
      'assignment.create',
      'assignment.create',
      'assignment.create',
      'group.create',
      'group.create',
      'permission-set.create',
      'permission-set.create',
    ]);
    const table = await jit(['plan']);
    expect(table.code).toBe(3);
    expect(table.stdout).toMatch(/\+ +│ permission set EC2Admin/);
    expect(table.stdout).toMatch(/Plan: 7 to create, 0 to update, 0 to delete\./);

    const applied = await jit(['apply']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/applied 7 change\(s\)/);
    const again = await jit(['plan']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/no changes/);
    // A second apply changes nothing.
    const second = await jit(['apply']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/nothing to change/);
    expect((await snapshot())['Legacy']).toEqual(legacyBefore);
  });

  it('prints --json that the JSON Schema in the repository accepts', async () => {
    const schema = JSON.parse(
      await readFile(join(ROOT, 'schemas', 'plan.schema.json'), 'utf8'),
    ) as object;
    const ajv = new Ajv2020({ strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    await writeFile(ws.configPath, liveConfig({ ec2Duration: 'PT2H' }));
    const { raw } = await planJson();
    expect(validate(raw), JSON.stringify(validate.errors)).toBe(true);
    await writeFile(ws.configPath, liveConfig());
    const unchanged = await planJson();
    expect(validate(unchanged.raw), JSON.stringify(validate.errors)).toBe(true);
  });

  it('plans one changed session duration as exactly one update, applied with ProvisionPermissionSet', async () => {
    await writeFile(ws.configPath, liveConfig({ ec2Duration: 'PT2H' }));
    const plan = await planJson();
    expect(plan.code).toBe(3);
    expect(plan.doc.changes).toEqual([
      expect.objectContaining({
        kind: 'permission-set.update',
        name: 'EC2Admin',
        changes: [{ field: 'sessionDuration', before: 'PT1H', after: 'PT2H' }],
      }),
    ]);
    const provisionsBefore = await calls('ProvisionPermissionSet');
    const applied = await jit(['apply']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await calls('ProvisionPermissionSet')).toBe(provisionsBefore + 1);
    expect((await snapshot())['EC2Admin']).toMatchObject({ duration: 'PT2H' });
    expect((await jit(['plan'])).code).toBe(0);
  });

  it('applies a saved plan exactly, and refuses one whose state has moved', async () => {
    await writeFile(ws.configPath, liveConfig({ ec2Duration: 'PT3H' }));
    const planFile = join(ws.dir, 'plan.json');
    expect((await jit(['plan', '--out', planFile])).code).toBe(3);
    // Someone changes Identity Center behind the plan's back.
    const ec2 = (await snapshot())['EC2Admin'] as { arn: string };
    await clients.ssoAdmin.send(
      new TagResourceCommand({
        InstanceArn: instanceArn,
        ResourceArn: ec2.arn,
        Tags: [{ Key: 'owner', Value: 'someone-else' }],
      }),
    );
    const refused = await jit(['apply', '--plan-file', planFile]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /Identity Center has changed since the plan .* nothing was applied/,
    );
    expect((await snapshot())['EC2Admin']).toMatchObject({ duration: 'PT2H' });

    expect((await jit(['plan', '--out', planFile])).code).toBe(3);
    const applied = await jit(['apply', '--plan-file', planFile]);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await snapshot())['EC2Admin']).toMatchObject({ duration: 'PT3H' });
    // The foreign tag was drift on a managed set: the plan took it away.
    expect(JSON.stringify((await snapshot())['EC2Admin'])).not.toMatch(/someone-else/);

    await writeFile(planFile, '{"version": 2}');
    const bad = await jit(['apply', '--plan-file', planFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not a jit plan/);
  });

  it('keeps a removed role without --prune, and with --prune deletes only what it manages', async () => {
    await writeFile(ws.configPath, liveConfig({ ec2Duration: 'PT3H', withReadOnly: false }));
    const kept = await jit(['plan']);
    expect(kept.code, kept.stdout).toBe(0);
    expect(kept.stdout).toMatch(/kept: permission set ReadOnly is managed by jit/);
    expect(kept.stdout).toMatch(/kept: assignment of JIT-ReadOnly to ReadOnly in 111111111111/);
    expect((await snapshot())['ReadOnly']).toBeDefined();

    const pruning = await planJson(['--prune']);
    expect(pruning.code).toBe(3);
    expect(pruning.doc.changes.map((c) => `${c.kind} ${c.name ?? ''}`).sort()).toEqual([
      'assignment.delete ',
      'permission-set.delete ReadOnly',
    ]);
    const refused = await jit(['apply', '--prune']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/deletes 2 object\(s\).*--allow-destructive/);
    expect((await snapshot())['ReadOnly']).toBeDefined();

    const pruned = await jit(['apply', '--prune', '--allow-destructive']);
    expect(pruned.code, pruned.stderr).toBe(0);
    const after = await snapshot();
    expect(after['ReadOnly']).toBeUndefined();
    expect(after['EC2Admin']).toBeDefined();
    expect(after['Legacy']).toEqual(legacyBefore);
    expect((await jit(['plan', '--prune'])).code).toBe(0);
  });

  it('reports a failure half-way precisely, and a re-run finishes with no duplicates', async () => {
    await writeFile(ws.configPath, liveConfig({ ec2Duration: 'PT3H' }));
    const fault = (spec: unknown) =>
      fetch(`${emulator.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ operation: 'CreateAccountAssignment', fault: spec }),
      });
    await fault({ errorRate: 1, errorKind: 'AccessDeniedException' });
    const failed = await jit(['apply']);
    await fault(null);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/✓ create permission set ReadOnly/);
    expect(failed.stderr).toMatch(
      /apply stopped at create assignment JIT-ReadOnly → ReadOnly in 111111111111: .*may not call sso:CreateAccountAssignment.*Done: 1 of 2 \(create permission set ReadOnly\)\. Not done: create assignment JIT-ReadOnly → ReadOnly in 111111111111\..*run jit apply again/s,
    );
    const finished = await jit(['apply']);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout).toMatch(/applied 1 change\(s\)/);
    expect((await jit(['plan'])).code).toBe(0);
    const names = Object.keys(await snapshot()).sort();
    expect(names).toEqual(['EC2Admin', 'Legacy', 'ReadOnly']);
    const group = await clients.identityStore.send(
      new GetGroupIdCommand({
        IdentityStoreId: (
          (await (await fetch(`${emulator.url}/_emulator/info`)).json()) as {
            identityStoreId: string;
          }
        ).identityStoreId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'displayName', AttributeValue: 'JIT-ReadOnly' },
        },
      }),
    );
    expect(group.GroupId).toBeDefined();
    expect((await snapshot())['ReadOnly']).toMatchObject({
      assignments: [`GROUP:${group.GroupId ?? ''}@111111111111`],
    });
  });

  it('assigns every account of an organisational unit, and picks up an account added to it at the next plan', async () => {
    const admin = async (path: string, body: unknown): Promise<{ id: string }> => {
      const response = await fetch(`${emulator.url}/_emulator/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { id: string };
    };
    const workloads = await admin('organizational-units', { name: 'workloads' });
    const teams = await admin('organizational-units', { name: 'teams', parentId: workloads.id });
    await admin('accounts', { id: '444444444444', name: 'dev', parentId: workloads.id });
    await writeFile(ws.configPath, liveConfig({ ec2Duration: 'PT3H', ou: workloads.id }));
    const first = await planJson();
    expect(first.code).toBe(3);
    expect(first.doc.changes.map((c) => `${c.kind} ${JSON.stringify(c)}`)).toEqual([
      expect.stringMatching(/^group\.create .*JIT-Workloads-ReadOnly/),
      expect.stringMatching(/^assignment\.create .*"account":"444444444444"/),
    ]);
    expect((await jit(['apply'])).code).toBe(0);
    expect((await jit(['plan'])).code).toBe(0);

    // A new account joins an OU below it: the next plan assigns it, and nothing else.
    await admin('accounts', { id: '555555555555', name: 'team-a', parentId: teams.id });
    const next = await planJson();
    expect(next.code).toBe(3);
    expect(next.doc.changes).toEqual([
      expect.objectContaining({
        kind: 'assignment.create',
        group: 'JIT-Workloads-ReadOnly',
        permissionSet: 'ReadOnly',
        account: '555555555555',
      }),
    ]);
    expect((await jit(['apply'])).code).toBe(0);
    expect((await jit(['plan'])).code).toBe(0);
  });

  it('refuses a bad config with exit 2, and a sandbox config without --endpoint', async () => {
    await writeFile(ws.configPath, 'mode: live\nroles: nope\n');
    const bad = await jit(['plan']);
    expect(bad.code).toBe(2);
    await writeFile(ws.configPath, SEED);
    const sandbox = await jit(['plan']);
    expect(sandbox.code).toBe(2);
    expect(sandbox.stderr).toMatch(/--endpoint/);
    await writeFile(ws.configPath, liveConfig());
  });

  it("sent AWS only operations the deployment's provisioner policy holds (infra/lib/sent-commands.ts)", async () => {
    const derived = sentOperations(ROOT, 'provisioner');
    const body = (await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as {
      operations: Record<string, { calls: number }>;
    };
    const received = Object.entries(body.operations)
      .filter(([, counts]) => counts.calls > 0)
      .map(([operation]) => operation);
    expect(received).toContain('CreatePermissionSet');
    expect(received.filter((operation) => !derived.has(operation))).toEqual([]);
  });
});
