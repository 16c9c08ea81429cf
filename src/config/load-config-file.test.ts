import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from './load-config-file.js';

const dir = mkdtempSync(join(tmpdir(), 'jit-config-'));

describe('loadConfigFile', () => {
  it('reads env:NAME from the environment, naming the variable in errors', async () => {
    const example = readFileSync(
      new URL('../../examples/jit.config.yaml', import.meta.url),
      'utf8',
    );
    const loaded = await loadConfigFile('env:JIT_CONFIG_DOCUMENT', {
      JIT_CONFIG_DOCUMENT: example,
    });
    expect(loaded.ok).toBe(true);
    expect(await loadConfigFile('env:JIT_CONFIG_DOCUMENT', {})).toEqual({
      ok: false,
      errors: [
        'env:JIT_CONFIG_DOCUMENT: the environment variable JIT_CONFIG_DOCUMENT is not set or empty; set it to the YAML document, or give --config a file path',
      ],
    });
    const broken = await loadConfigFile('env:JIT_CONFIG_DOCUMENT', {
      JIT_CONFIG_DOCUMENT: 'mode: [unclosed\n',
    });
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.errors.join('\n')).toContain('$JIT_CONFIG_DOCUMENT');
  });

  it('refuses a missing file with one line naming the path', async () => {
    const path = join(dir, 'missing.yaml');
    expect(await loadConfigFile(path)).toEqual({
      ok: false,
      errors: [
        `${path}: no such file; check the path, or copy examples/jit.config.yaml there to start`,
      ],
    });
  });

  it('refuses a directory with one line', async () => {
    expect(await loadConfigFile(dir)).toEqual({
      ok: false,
      errors: [
        `${dir}: is a directory; give the path of the YAML file itself, e.g. jit.config.yaml`,
      ],
    });
  });

  it('names the file in syntax errors and in the empty-file error', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'mode: sandbox\nmode: live\n');
    expect(await loadConfigFile(broken)).toEqual({
      ok: false,
      errors: [`${broken}:2:1: Map keys must be unique; remove one of the two`],
    });
    const empty = join(dir, 'jit.config.yaml');
    writeFileSync(empty, '');
    expect(await loadConfigFile(empty)).toEqual({
      ok: false,
      errors: [`${empty} is empty; start from examples/jit.config.yaml`],
    });
  });
});
