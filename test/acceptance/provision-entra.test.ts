// Acceptance (provisioning Entra PIM): `jit plan` and `jit apply` as separate processes, with
// a live config, against the emulators standing in for AWS and the Entra tenant (Graph with
// the app's client secret). A changed activation maximum plans exactly the Expiration rule;
// a new eligible member plans one eligibility; apply writes both through Graph, and the next
// plan is empty; --prune removes an eligibility the config no longer names.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runJit, type CliResult } from '../support/jit-process.js';
import { LiveWorld } from '../support/live-world.js';

let world: LiveWorld;
let env: Record<string, string>;
let original: string;

beforeAll(async () => {
  world = await LiveWorld.start();
  env = world.env();
  original = await readFile(world.ws.configPath, 'utf8');
}, 60_000);

afterAll(async () => {
  await world.close();
});

const jit = (args: readonly string[]): Promise<CliResult> =>
  runJit([...args, '--config', world.ws.configPath], env, world.ws.dir);

interface Doc {
  entra: { roles: number } | null;
  changes: {
    kind: string;
    cloud: string;
    ruleId?: string;
    principal?: string;
    before?: unknown;
    after?: Record<string, unknown>;
  }[];
}

async function plan(
  extra: readonly string[] = [],
): Promise<{ code: number; doc: Doc; raw: unknown }> {
  const result = await jit(['--json', 'plan', ...extra]);
  expect([0, 3], result.stderr).toContain(result.code);
  const raw = JSON.parse(result.stdout) as unknown;
  return { code: result.code, doc: raw as Doc, raw };
}

/** The live config with prod-pim's maximum and eligible members changed. */
function edited(maxDuration: string, members: string[]): string {
  const text = original.replace(
    /( {2}prod-pim:\n(?: {4}.*\n)*? {6}maxDuration: )PT2H/,
    `$1${maxDuration}`,
  );
  return text.replace(
    /( {2}prod-pim:\n(?: {4}.*\n)*? {4}eligibility: \{ members: )\[[^\]]*\]/,
    `$1[${members.join(', ')}]`,
  );
}

describe('jit plan and jit apply for Entra PIM', () => {
  it('plans nothing for PIM the config already describes', async () => {
    const first = await plan();
    expect(first.doc.entra).toEqual(expect.objectContaining({ roles: 1 }));
    expect(first.doc.changes.filter((c) => c.cloud === 'entra')).toEqual([]);
  });

  it('plans a changed maximum as one rule update and a new member as one eligibility, and applies both', async () => {
    await writeFile(world.ws.configPath, edited('PT3H', ['alice@example.com', 'bob@example.com']));
    const before = await plan();
    expect(before.code).toBe(3);
    const entra = before.doc.changes.filter((c) => c.cloud === 'entra');
    expect(entra.map((c) => `${c.kind} ${c.ruleId ?? c.principal ?? ''}`)).toEqual([
      'pim-rule.update Expiration_EndUser_Assignment',
      'eligibility.create bob@example.com',
    ]);
    expect(entra[0]?.after).toMatchObject({ maximumDuration: 'PT3H' });
    expect(entra[0]?.before).toMatchObject({ maximumDuration: 'PT2H' });
    const schema = JSON.parse(
      await readFile(join(ROOT, 'schemas', 'plan.schema.json'), 'utf8'),
    ) as object;
    const ajv = new Ajv2020({ strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(before.raw), JSON.stringify(validate.errors)).toBe(true);

    const table = await jit(['plan']);
    expect(table.stdout).toMatch(/Entra PIM \(1 entra-pim role\(s\)\)/);
    expect(table.stdout).toMatch(/maximumDuration: PT2H → PT3H/);

    const applied = await jit(['apply']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/✓ create eligibility of bob@example\.com for JIT-Prod-PIM/);
    const after = await plan();
    expect(after.code, JSON.stringify(after.doc.changes)).toBe(0);
  });

  it('creates a PIM group Entra does not have, then its rules and eligibilities, in one apply', async () => {
    const withOps = edited('PT3H', ['alice@example.com']).replace(
      'roles:\n',
      `roles:
  ops-pim:
    source: entra-pim
    group: JIT-Ops-PIM
    permissionSet: AdminAccess
    accounts: ['111111111111']
    activation:
      maxDuration: PT1H
      requireJustification: true
      requireMfa: false
      approval: { required: false }
    eligibility: { members: [alice@example.com] }
`,
    );
    await writeFile(world.ws.configPath, withOps);
    const before = await plan();
    expect(before.code).toBe(3);
    expect(
      before.doc.changes
        .filter((c) => c.cloud === 'entra')
        .map((c) => `${c.kind} ${c.ruleId ?? c.principal ?? ''}`.trim()),
    ).toEqual([
      'entra-group.create',
      'pim-rule.update Expiration_EndUser_Assignment',
      'pim-rule.update Enablement_EndUser_Assignment',
      'pim-rule.update Approval_EndUser_Assignment',
      'eligibility.create alice@example.com',
    ]);
    const applied = await jit(['apply']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/✓ create Entra group JIT-Ops-PIM \(role ops-pim\)/);
    const after = await plan();
    expect(after.code, JSON.stringify(after.doc.changes)).toBe(0);
    await writeFile(world.ws.configPath, edited('PT3H', ['alice@example.com']));
  });

  it('keeps an eligibility the config dropped, and removes it with --prune --allow-destructive', async () => {
    await writeFile(world.ws.configPath, edited('PT3H', ['alice@example.com']));
    expect((await plan()).code).toBe(0);
    const pruning = await plan(['--prune']);
    expect(pruning.code).toBe(3);
    // Entra: bob's eligibility; Identity Center: the group assignment of the removed ops-pim.
    expect(pruning.doc.changes.map((c) => c.kind).sort()).toEqual([
      'assignment.delete',
      'eligibility.delete',
    ]);
    const refused = await jit(['apply', '--prune']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--allow-destructive/);
    const pruned = await jit(['apply', '--prune', '--allow-destructive']);
    expect(pruned.code, pruned.stdout + pruned.stderr).toBe(0);
    expect((await plan(['--prune'])).code).toBe(0);
  });

  it('asks PIM for the authentication context that proves MFA at sign-in, instead of plain MFA', async () => {
    const text = edited('PT3H', ['alice@example.com'])
      .replace(/( {2}prod-pim:\n(?: {4}.*\n)*? {6}requireMfa: )false/, '$1true')
      .replace(
        'clientSecretEnv: JIT_OIDC_CLIENT_SECRET\n',
        'clientSecretEnv: JIT_OIDC_CLIENT_SECRET\n    mfaEvidence: acrs:c1\n',
      );
    expect(text).toMatch(/mfaEvidence: acrs:c1/);
    await writeFile(world.ws.configPath, text);
    const before = await plan();
    expect(before.doc.changes.filter((c) => c.cloud === 'entra').map((c) => c.ruleId)).toEqual([
      'AuthenticationContext_EndUser_Assignment',
    ]);
    expect(before.doc.changes[0]?.after).toMatchObject({ isEnabled: true, claimValue: 'c1' });
    const applied = await jit(['apply']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect((await plan()).code).toBe(0);
  });
});
