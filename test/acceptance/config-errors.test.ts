// Acceptance: `jit config validate` (a separate process) answers every kind of broken
// config with its one line and exit code 2.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_CONFIGS as cases } from '../support/broken-configs.js';
import { ROOT, runJit } from '../support/jit-process.js';

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
