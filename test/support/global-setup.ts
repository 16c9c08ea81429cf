// Builds dist/ once before the tests when it is missing or older than the sources, so the
// acceptance suites always run the real built `jit` binary in separate processes.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

export default function setup(): void {
  // CI's log shows the runtime the suite ran on (the product's floor is Node 24).
  process.stdout.write(`test runtime: Node.js ${process.version} (${process.execPath})\n`);
  const root = join(import.meta.dirname, '..', '..');
  const built = join(root, 'dist', 'src', 'cli', 'main.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src'))) return;
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
    ],
    {
      stdio: 'inherit',
    },
  );
}
