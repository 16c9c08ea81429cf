// Acceptance: `jit config validate` (a separate process) answers every kind of broken
// config with its one line and exit code 2.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runJit } from '../support/jit-process.js';

const example = readFileSync(join(ROOT, 'examples', 'jit.config.yaml'), 'utf8');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jit-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function validate(name: string, text: string) {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, text);
  return runJit(['config', 'validate', file]);
}

/** Replaces the first occurrence of `from` in the example config, failing if absent. */
function edit(from: string | RegExp, to: string): string {
  const changed = example.replace(from, to);
  if (changed === example) throw new Error(`example config has no ${String(from)}`);
  return changed;
}

const cases: readonly { name: string; text: () => string; expect: RegExp }[] = [
  {
    name: 'yaml-syntax',
    text: () => 'mode: sandbox\nroles:\n  a: [1, 2\n',
    expect: /yaml-syntax\.yaml:\d+:\d+/,
  },
  {
    name: 'unknown-key',
    text: () => edit(/maxDuration:/, 'maxDuraton:'),
    expect: /did you mean "maxDuration"/,
  },
  {
    name: 'wrong-type',
    text: () => edit(/requireMfa: true/, 'requireMfa: "often"'),
    expect: /requireMfa/,
  },
  {
    name: 'malformed-duration',
    text: () => edit(/maxDuration: PT\w+/, 'maxDuration: 4 hours'),
    expect: /maxDuration.*ISO 8601/,
  },
  {
    name: 'out-of-range-duration',
    text: () => edit(/maxDuration: PT\w+/, 'maxDuration: PT48H'),
    expect: /maxDuration: PT48H is longer than 24 hours; use PT24H or less/,
  },
  {
    name: 'default-above-maximum',
    text: () => edit(/defaultDuration: PT\w+/, 'defaultDuration: PT23H'),
    expect: /defaultDuration/,
  },
  {
    name: 'unknown-permission-set',
    text: () => edit(/permissionSet: (\w+)/, 'permissionSet: NoSuchSet'),
    expect: /permissionSet.*NoSuchSet/,
  },
  {
    name: 'unknown-approver',
    text: () => edit(/approvers: \[/, 'approvers: [zed, '),
    expect: /unknown approver "zed"/,
  },
  { name: 'quorum-too-large', text: () => edit(/quorum: \d+/, 'quorum: 9'), expect: /quorum/ },
  {
    name: 'account-not-12-digits',
    text: () => edit(/accounts: \['\d{12}'/, "accounts: ['12345'"),
    expect: /12 digits|12-digit/,
  },
  {
    name: 'account-as-number',
    text: () => edit(/accounts: \['\d{12}'/, 'accounts: [123456789012'),
    expect: /quote/,
  },
  {
    name: 'permission-set-name-too-long',
    text: () => edit(/^ {2}EC2Admin:/m, '  ThisPermissionSetNameIsFarTooLongForAws:'),
    expect: /32/,
  },
  {
    name: 'inline-policy-not-json',
    text: () => edit(/inlinePolicy: \|\n/, 'inlinePolicy: |\n      { not json\n    unused: |\n'),
    expect: /inlinePolicy/,
  },
  {
    name: 'inline-policy-too-large',
    text: () =>
      edit(
        /inlinePolicy: \|\n/,
        `inlinePolicy: '${JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: Array.from({ length: 1200 }, (_, i) => `svc:Action${i}`), Resource: '*' }] })}'\n    unused: |\n`,
      ),
    expect: /inlinePolicy.*(large|characters|bytes)/,
  },
  { name: 'empty-file', text: () => '', expect: /empty/ },
];

describe('jit config validate', () => {
  it('accepts the example config', async () => {
    const result = await runJit(['config', 'validate', join(ROOT, 'examples', 'jit.config.yaml')]);
    expect(result.code, result.stderr).toBe(0);
  });

  for (const c of cases) {
    it(`refuses ${c.name} with a clear line and exit code 2`, async () => {
      const result = await validate(c.name, c.text());
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toMatch(c.expect);
      expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    });
  }
});
