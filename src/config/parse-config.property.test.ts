// Whatever the file holds, parseConfig answers with a result, never an exception, and every
// problem is a single "path: problem" line.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';
import { baseConfig, parseObject, type Yamlish } from '../../test/harness/config-builders.js';

/** Every key path in a plain object, so a property can replace any one of them. */
function paths(node: unknown, prefix: string[] = []): string[][] {
  if (typeof node !== 'object' || node === null) return [prefix];
  const entries = Object.entries(node);
  return [prefix, ...entries.flatMap(([key, value]) => paths(value, [...prefix, key]))];
}

function replaced(config: Yamlish, path: readonly string[], value: unknown): Yamlish {
  if (path.length === 0) return value as Yamlish;
  const copy: Yamlish = structuredClone(config);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Yamlish;
  node[path.at(-1)!] = value;
  return copy;
}

function expectLines(lines: readonly string[]): void {
  for (const line of lines) {
    expect(line).not.toContain('\n');
    expect(line.length).toBeGreaterThan(0);
  }
}

describe('parseConfig on arbitrary input', () => {
  it('never throws on arbitrary text, and reports one line per problem', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const result = parseConfig(text, 'jit.config.yaml');
        expectLines(result.ok ? result.warnings : result.errors);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws when any one value of a valid config is replaced by arbitrary JSON', () => {
    const base = baseConfig();
    const all = paths(base);
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.jsonValue({ maxDepth: 2 }), (path, value) => {
        const result = parseObject(replaced(base, path, value));
        const lines = result.ok ? result.warnings : result.errors;
        expectLines(lines);
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const line of result.errors)
            expect(line).toMatch(/^\S.*?: \S|^jit\.config\.yaml is empty/);
        }
      }),
      { numRuns: 400 },
    );
  });
});
