// The README's first command: `npm start` must start the sandbox on the example config. This
// runs the exact command line of package.json's `start` script (after its build step, which
// the test setup has done) in a scratch folder holding a copy of `examples/`, so the example's
// relative store path (.jit/jit.db) lands there and not in the repository.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/jit-process.js';

let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('serves the example config in the sandbox with the walk-through', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    const [, command] = pkg.scripts.start.split('&&').map((part) => part.trim());
    expect(command).toMatch(/^node dist\/src\/cli\/main\.js serve /);
    const args = (command ?? '').split(/\s+/).slice(1);
    args[0] = join(ROOT, args[0] ?? '');

    dir = await mkdtemp(join(tmpdir(), 'jit-npm-start-'));
    await cp(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
    const child = spawn(process.execPath, [...args, '--port', '0'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', JIT_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`npm start's command did not get going in 40 s:\n${stdout}\n${stderr}`));
        }, 40_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('Stop with Ctrl-C')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(
            new Error(`npm start's command exited with ${String(code)}:\n${stdout}\n${stderr}`),
          );
        });
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(stdout).toMatch(/JIT Access .* \(sandbox\) is listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/access lands in: Identity Center emulator at http/);
    expect(stdout).toMatch(/Entra ID: emulator at http/);
    expect(stdout).toContain('jit login --as alice');
    expect(stdout).toContain('jit pim activate prod-ops');
  }, 60_000);
});
