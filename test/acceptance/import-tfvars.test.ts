// Acceptance (jit import tfvars): the seed's Terraform variables, filled in for an
// organisation (here the Identity Center emulator's), become a config whose plan creates the
// seed's five permission sets with identical policies and its group assignments; applying it
// and reading Identity Center back gives the same policies. A malformed file names its line.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GetInlinePolicyForPermissionSetCommand,
  ListPermissionSetsCommand,
  DescribePermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorTestClients } from '../harness/identity-center-clients.js';
import {
  awsEnvironment,
  EmulatorProcess,
  ROOT,
  runJit,
  Workspace,
  type CliResult,
} from '../support/jit-process.js';

const SEED = `mode: sandbox
permissionSets:
  Unrelated:
    sessionDuration: PT1H
    managedPolicies: [arn:aws:iam::aws:policy/ViewOnlyAccess]
roles:
  unrelated:
    group: Unrelated-Team
    permissionSet: Unrelated
    accounts: ['111111111111', '222222222222']
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com }
`;

/** The policies as the tfvars file writes them (jsonencode and a heredoc). */
const EC2_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyIAMUserCreation',
      Effect: 'Deny',
      Action: ['iam:CreateUser', 'iam:CreateAccessKey'],
      Resource: '*',
    },
  ],
};
const DB_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyDeleteDatabase',
      Effect: 'Deny',
      Action: ['rds:DeleteDBInstance', 'rds:DeleteDBCluster'],
      Resource: '*',
    },
  ],
};

let emulator: EmulatorProcess;
let ws: Workspace;
let env: Record<string, string>;
let info: { instanceArn: string; identityStoreId: string };

beforeAll(async () => {
  ws = await Workspace.create(() => '');
  await writeFile(join(ws.dir, 'seed.yaml'), SEED);
  emulator = await EmulatorProcess.start(join(ws.dir, 'seed.yaml'));
  info = (await (await fetch(`${emulator.url}/_emulator/info`)).json()) as typeof info;
  env = awsEnvironment(emulator.url, ws.dir);
}, 60_000);

afterAll(async () => {
  await emulator.stop();
  await ws.dispose();
});

const jit = (args: readonly string[]): Promise<CliResult> => runJit(args, env, ws.dir);

describe('jit import tfvars', () => {
  it("turns the seed's variables into a config whose plan creates its permission sets and assignments, policies identical", async () => {
    // The seed's example, filled in with this organisation's instance and identity store.
    const tfvars = (await readFile(join(ROOT, 'test', 'fixtures', 'seed.tfvars'), 'utf8'))
      .replace('arn:aws:sso:::instance/ssoins-1234567890abcdef', info.instanceArn)
      .replace('d-1234567890', info.identityStoreId);
    await writeFile(join(ws.dir, 'terraform.tfvars'), tfvars);

    const imported = await jit(['import', 'tfvars', 'terraform.tfvars', '-o', 'imported.yaml']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/wrote imported\.yaml: 5 permission sets, 5 roles/);
    expect(imported.stdout).toMatch(/referenced as if AWS-managed/);
    expect(imported.stdout).toMatch(/40 minutes/);
    expect(imported.stdout).toMatch(/enable_monitoring .*CDK app/);
    const again = await jit(['import', 'tfvars', 'terraform.tfvars', '-o', 'imported.yaml']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; pass --force/);
    expect((await jit(['config', 'validate', 'imported.yaml'])).code).toBe(0);

    const plan = await jit(['--json', 'plan', '-c', 'imported.yaml', '--cloud', 'aws']);
    expect(plan.code, plan.stderr).toBe(3);
    const doc = JSON.parse(plan.stdout) as {
      changes: {
        kind: string;
        name?: string;
        fields?: {
          inlinePolicy: string | null;
          managedPolicies: string[];
          permissionsBoundary: string | null;
        };
        group?: string;
        permissionSet?: string;
        account?: string;
      }[];
    };
    const created = doc.changes.filter((c) => c.kind === 'permission-set.create');
    expect(created.map((c) => c.name).sort()).toEqual([
      'BreakGlass',
      'DatabaseAdmin',
      'EC2Admin',
      'ReadOnly',
      'S3Admin',
    ]);
    const byName = new Map(created.map((c) => [c.name, c.fields]));
    expect(JSON.parse(byName.get('EC2Admin')?.inlinePolicy ?? 'null')).toEqual(EC2_POLICY);
    expect(JSON.parse(byName.get('DatabaseAdmin')?.inlinePolicy ?? 'null')).toEqual(DB_POLICY);
    expect(byName.get('S3Admin')?.inlinePolicy).toBeNull();
    expect(byName.get('BreakGlass')?.managedPolicies).toEqual([
      'arn:aws:iam::aws:policy/AdministratorAccess',
    ]);
    expect(byName.get('ReadOnly')?.permissionsBoundary).toBe('/JITPermissionsBoundary');
    expect(
      doc.changes
        .filter((c) => c.kind === 'assignment.create')
        .map((c) => `${c.group ?? ''} ${c.permissionSet ?? ''} ${c.account ?? ''}`)
        .sort(),
    ).toEqual([
      'JIT-BreakGlass BreakGlass 111111111111',
      'JIT-BreakGlass BreakGlass 222222222222',
      'JIT-DB-Admin DatabaseAdmin 222222222222',
      'JIT-EC2-Admin EC2Admin 111111111111',
      'JIT-EC2-Admin EC2Admin 222222222222',
      'JIT-ReadOnly ReadOnly 111111111111',
      'JIT-ReadOnly ReadOnly 222222222222',
      'JIT-S3-Admin S3Admin 111111111111',
    ]);

    const applied = await jit(['apply', '-c', 'imported.yaml', '--cloud', 'aws']);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await jit(['plan', '-c', 'imported.yaml', '--cloud', 'aws'])).code).toBe(0);
    // Identity Center holds the very same documents.
    const { ssoAdmin } = emulatorTestClients(emulator.url, 3);
    const arns =
      (await ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: info.instanceArn })))
        .PermissionSets ?? [];
    const held = new Map<string, unknown>();
    for (const arn of arns) {
      const name = (
        await ssoAdmin.send(
          new DescribePermissionSetCommand({
            InstanceArn: info.instanceArn,
            PermissionSetArn: arn,
          }),
        )
      ).PermissionSet?.Name;
      const inline = (
        await ssoAdmin.send(
          new GetInlinePolicyForPermissionSetCommand({
            InstanceArn: info.instanceArn,
            PermissionSetArn: arn,
          }),
        )
      ).InlinePolicy;
      held.set(name ?? arn, inline ? JSON.parse(inline) : null);
    }
    expect(held.get('EC2Admin')).toEqual(EC2_POLICY);
    expect(held.get('DatabaseAdmin')).toEqual(DB_POLICY);
    expect(held.get('Unrelated')).toBeNull();
  });

  it('refuses a malformed file naming the line, and writes nothing', async () => {
    await writeFile(
      join(ws.dir, 'broken.tfvars'),
      'aws_region = "eu-west-1"\npermission_sets = {\n  EC2Admin = {\n    session_duration = "PT1H\n  }\n}\n',
    );
    const broken = await jit(['import', 'tfvars', 'broken.tfvars', '-o', 'broken.yaml']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.tfvars:4:\d+: this string is not closed with "/);
    expect(broken.stderr).not.toMatch(/\n\s+at /);
    await expect(readFile(join(ws.dir, 'broken.yaml'))).rejects.toThrow(/ENOENT/);

    await writeFile(join(ws.dir, 'ref.tfvars'), 'instance_arn = var.instance\n');
    const ref = await jit(['import', 'tfvars', 'ref.tfvars', '-o', 'ref.yaml']);
    expect(ref.code).toBe(2);
    expect(ref.stderr).toMatch(/ref\.tfvars:1:16: var is a reference/);
  });
});
