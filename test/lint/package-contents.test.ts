// The published package and dist/src hold product code only: no test, fake, fixture or
// test helper (the build compiles src/ without tests; helpers live in test/).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TEST_ONLY =
  /(^|\/)(test|tests|__tests__)\/|\.test\.|harness|fixture|conformance|model-checker|sdk-enum-rules|test-(config|clients)/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe('what ships', () => {
  it('dist/src holds no test-only module', () => {
    const built = files(join(ROOT, 'dist', 'src')).map((f) => relative(ROOT, f));
    expect(built.length).toBeGreaterThan(100);
    expect(built.filter((f) => TEST_ONLY.test(f.replace(/^dist\/src\//, '')))).toEqual([]);
  });

  it('npm pack lists no test-only module', () => {
    const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, npm_config_loglevel: 'silent' },
    });
    const [pack] = JSON.parse(output) as { files: { path: string }[] }[];
    const paths = (pack?.files ?? []).map((f) => f.path);
    expect(paths).toContain('dist/src/cli/main.js');
    expect(paths.filter((p) => TEST_ONLY.test(p.replace(/^dist\/src\//, '')))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('dist/') && !p.startsWith('dist/src/'))).toEqual([]);
  });
});
