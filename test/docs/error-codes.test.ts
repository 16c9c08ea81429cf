// The error codes in docs/troubleshooting.md: every code of the `JitErrorCode` union
// (src/core/errors.ts) has a row in the page's table, with the HTTP status the API gives it
// (src/api/problem.ts), and a section of its own; and the page names no code that no longer
// exists. A new code without documentation fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { statusFor } from '../../src/api/problem.js';
import type { JitErrorCode } from '../../src/core/errors.js';
import { ROOT } from '../support/jit-process.js';

const DOC = 'docs/troubleshooting.md';

/** The codes of the `JitErrorCode` union, read from its source: it is a type, with no list
 *  at run time (the API's STATUS table is not exported). */
function errorCodes(): JitErrorCode[] {
  const source = readFileSync(join(ROOT, 'src', 'core', 'errors.ts'), 'utf8');
  const union = /export type JitErrorCode =([^;]*);/.exec(source)?.[1] ?? '';
  return [...union.matchAll(/'(ERR_[A-Z_]+)'/g)].map((match) => match[1] as JitErrorCode);
}

const codes = errorCodes();
const doc = readFileSync(join(ROOT, DOC), 'utf8');
/** The codes with a section of their own (a heading ``### `ERR_X` ``). */
const sections = [...doc.matchAll(/^### `(ERR_[A-Z_]+)`$/gm)].map((match) => match[1]);

/** The HTTP status in the code's row of the table (`| \`ERR_X\` | 400 | ...`). */
function documentedStatus(code: JitErrorCode): string | undefined {
  return new RegExp(`^\\|\\s*\`${code}\`\\s*\\|\\s*(\\d{3})\\s*\\|`, 'm').exec(doc)?.[1];
}

describe(DOC, () => {
  it('reads the codes from src/core/errors.ts (not a rubber stamp)', () => {
    expect(codes.length).toBeGreaterThan(20);
    expect(codes).toEqual(expect.arrayContaining(['ERR_INVALID_INPUT', 'ERR_INTERNAL']));
    expect(new Set(codes).size).toBe(codes.length);
    // Each one is a code the API maps to an error status, so the parse matches the type.
    for (const code of codes) {
      expect(statusFor(code), code).toBeGreaterThanOrEqual(400);
      expect(statusFor(code), code).toBeLessThan(600);
    }
  });

  for (const code of codes) {
    it(`documents ${code}: a table row with HTTP ${String(statusFor(code))}, and a section`, () => {
      expect(documentedStatus(code)).toBe(String(statusFor(code)));
      expect(sections).toContain(code);
    });
  }

  it('names no code that does not exist', () => {
    const known = new Set<string>(codes);
    const named = new Set(doc.match(/ERR_[A-Z_]+/g) ?? []);
    expect(named.size).toBeGreaterThan(0);
    expect([...named].filter((code) => !known.has(code))).toEqual([]);
  });
});
