// Broken configs, one per kind of mistake, made from the example config: the `jit config
// validate` acceptance test expects each one's line, and the JSON Schema test expects the
// published schema to refuse those it can see (the shape of one key) and let through those
// only the loader can judge (ranges of durations, references, quorum, policy contents).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './jit-process.js';

export interface BrokenConfig {
  readonly name: string;
  /** What the JSON Schema makes of it: `accepts` means only `jit config validate` sees it. */
  readonly jsonSchema: 'rejects' | 'accepts' | 'unparsable';
  readonly text: () => string;
  /** What `jit config validate` says. */
  readonly expect: RegExp;
}

const example = readFileSync(join(ROOT, 'examples', 'jit.config.yaml'), 'utf8');

/** Replaces the first occurrence of `from` in the example config, failing if absent. */
function edit(from: string | RegExp, to: string): string {
  const changed = example.replace(from, to);
  if (changed === example) throw new Error(`example config has no ${String(from)}`);
  return changed;
}

export const BROKEN_CONFIGS: readonly BrokenConfig[] = [
  {
    name: 'yaml-syntax',
    jsonSchema: 'unparsable',
    text: () => 'mode: sandbox\nroles:\n  a: [1, 2\n',
    expect: /yaml-syntax\.yaml:\d+:\d+/,
  },
  {
    name: 'unknown-key',
    jsonSchema: 'rejects',
    text: () => edit(/maxDuration:/, 'maxDuraton:'),
    expect: /did you mean "maxDuration"/,
  },
  {
    name: 'wrong-type',
    jsonSchema: 'rejects',
    text: () => edit(/requireMfa: true/, 'requireMfa: "often"'),
    expect: /requireMfa/,
  },
  {
    name: 'malformed-duration',
    jsonSchema: 'rejects',
    text: () => edit(/maxDuration: PT\w+/, 'maxDuration: 4 hours'),
    expect: /maxDuration.*ISO 8601/,
  },
  {
    name: 'out-of-range-duration',
    jsonSchema: 'accepts',
    text: () => edit(/maxDuration: PT\w+/, 'maxDuration: PT48H'),
    expect: /maxDuration: PT48H is longer than 24 hours; use PT24H or less/,
  },
  {
    name: 'default-above-maximum',
    jsonSchema: 'accepts',
    text: () => edit(/defaultDuration: PT\w+/, 'defaultDuration: PT23H'),
    expect: /defaultDuration/,
  },
  {
    name: 'unknown-permission-set',
    jsonSchema: 'accepts',
    text: () => edit(/permissionSet: (\w+)/, 'permissionSet: NoSuchSet'),
    expect: /permissionSet.*NoSuchSet/,
  },
  {
    name: 'unknown-approver',
    jsonSchema: 'accepts',
    text: () => edit(/approvers: \[/, 'approvers: [zed, '),
    expect: /unknown approver "zed"/,
  },
  {
    name: 'quorum-too-large',
    jsonSchema: 'accepts',
    text: () => edit(/quorum: \d+/, 'quorum: 9'),
    expect: /quorum/,
  },
  {
    name: 'account-not-12-digits',
    jsonSchema: 'rejects',
    text: () => edit(/accounts: \['\d{12}'/, "accounts: ['12345'"),
    expect: /12 digits|12-digit/,
  },
  {
    name: 'account-as-number',
    jsonSchema: 'rejects',
    text: () => edit(/accounts: \['\d{12}'/, 'accounts: [123456789012'),
    expect: /quote/,
  },
  {
    name: 'permission-set-name-too-long',
    jsonSchema: 'rejects',
    text: () => edit(/^ {2}EC2Admin:/m, '  ThisPermissionSetNameIsFarTooLongForAws:'),
    expect: /32/,
  },
  {
    name: 'inline-policy-not-json',
    // The schema refuses the edit's leftover `unused` key; the policy itself only the loader reads.
    jsonSchema: 'rejects',
    text: () => edit(/inlinePolicy: \|\n/, 'inlinePolicy: |\n      { not json\n    unused: |\n'),
    expect: /inlinePolicy/,
  },
  {
    name: 'inline-policy-too-large',
    // The schema refuses the edit's leftover `unused` key; the policy itself only the loader reads.
    jsonSchema: 'rejects',
    text: () =>
      edit(
        /inlinePolicy: \|\n/,
        `inlinePolicy: '${JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: Array.from({ length: 1200 }, (_, i) => `svc:Action${i}`), Resource: '*' }] })}'\n    unused: |\n`,
      ),
    expect: /inlinePolicy.*(large|characters|bytes)/,
  },
  { name: 'empty-file', jsonSchema: 'rejects', text: () => '', expect: /empty/ },
];
