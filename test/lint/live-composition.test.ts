// Live mode has no sandbox code path: nothing the live composition loads at run time (static
// imports, and dynamic ones) reaches src/sandbox/ or src/emulators/. main.ts loads the
// sandbox's clouds only through one dynamic import, in its sandbox branch. Type-only
// imports are erased by the compiler and do not count.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const STATIC = /^(?:import|export)\s+(?!type\s)(?:[^'"]*?\bfrom\s*)?['"](\.[^'"]+)['"]/gm;
const DYNAMIC = /\bimport\s*\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function imports(file: string, pattern: RegExp): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(pattern)].flatMap((match) =>
    match[1] === undefined ? [] : [resolve(dirname(file), match[1].replace(/\.js$/, '.ts'))],
  );
}

/** Every module `entry` loads at run time, itself included. */
function runtimeClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of [...imports(file, STATIC), ...imports(file, DYNAMIC)]) visit(next);
  };
  visit(entry);
  return seen;
}

const sandboxy = (file: string): boolean =>
  /^src\/(sandbox|emulators)\//.test(relative(ROOT, file));

describe('live composition', () => {
  it.each(['src/live/live-clouds.ts', 'src/live/live-clients.ts', 'src/live/doctor.ts'])(
    '%s loads nothing of the sandbox or the emulators',
    (entry) => {
      const reached = [...runtimeClosure(resolve(ROOT, entry))].filter(sandboxy);
      expect(reached.map((file) => relative(ROOT, file))).toEqual([]);
    },
  );

  it('main.ts loads the sandbox only by one dynamic import of its clouds', () => {
    const main = resolve(ROOT, 'src/main.ts');
    const staticClosure = new Set<string>();
    const visit = (file: string): void => {
      if (staticClosure.has(file)) return;
      staticClosure.add(file);
      for (const next of imports(file, STATIC)) visit(next);
    };
    visit(main);
    expect([...staticClosure].filter(sandboxy).map((f) => relative(ROOT, f))).toEqual([]);
    expect(imports(main, DYNAMIC).map((f) => relative(ROOT, f))).toContain(
      'src/sandbox/sandbox-clouds.ts',
    );
  });
});
