// Acceptance: what `jit check --sarif -` prints is valid SARIF 2.1.0, checked against the
// standard's JSON Schema (vendored in test/fixtures/sarif) by a maintained validator, for the
// example config (suppressed findings included) and for a config with findings of every
// severity.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runJit } from '../support/jit-process.js';

const schema = JSON.parse(
  await readFile(join(ROOT, 'test', 'fixtures', 'sarif', 'sarif-2.1.0-rtm.5.json'), 'utf8'),
) as object;
// The schema has a pattern that is only valid without the u flag ("]?" after a group).
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

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
    breakGlass: true
    activation: { maxDuration: PT1H, approval: { required: true, approvers: [alice] } }
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com }
aws:
  revocation: { enabled: false }
check:
  suppress:
    - rule: JIT002
      reason: sessions are denied by the revocation SCP in our other deployment
`;

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function sarifErrors(text: string): string[] {
  const ok = validate(JSON.parse(text) as unknown);
  return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

describe('jit check --sarif', () => {
  it('validates against the SARIF 2.1.0 schema on the example config', async () => {
    const result = await runJit(['check', '-c', 'examples/jit.config.yaml', '--sarif', '-']);
    expect(result.code, result.stderr).toBe(0);
    expect(sarifErrors(result.stdout)).toEqual([]);
  });

  it('validates on a config with findings, suppressions and rule metadata', async () => {
    dir = await mkdtemp(join(tmpdir(), 'jit-sarif-'));
    const config = join(dir, 'weak.yaml');
    await writeFile(config, WEAK);
    const result = await runJit(['check', '-c', config, '--sarif', '-', '--fail-on', 'none']);
    expect(result.code, result.stderr).toBe(0);
    expect(sarifErrors(result.stdout)).toEqual([]);
    const log = JSON.parse(result.stdout) as {
      runs: { results: { ruleId: string; suppressions?: unknown[] }[] }[];
    };
    const results = log.runs[0]?.results ?? [];
    expect(results.length).toBeGreaterThan(2);
    expect(results.some((r) => r.suppressions !== undefined)).toBe(true);
  });

  it('notices an invalid log (the validator is not a rubber stamp)', () => {
    expect(sarifErrors(JSON.stringify({ version: '2.1.0', runs: [{ tool: {} }] }))).not.toEqual([]);
  });
});
