// The docs cannot rot: every shell block fenced as ```sh runnable in README.md or docs/ runs
// here against the sandbox. Per file: a scratch folder holding copies of examples/ and scripts/ (the
// working directory), the sandbox server started there as `npm start` starts it, `jit` on
// PATH, JIT_SERVER pointing at the server and JIT_HOME in the folder; then each block in
// order, in its own `bash -eo pipefail`, which must exit 0. Files and the server's state
// carry over from block to block; shell variables do not; whatever a block starts in the
// background is stopped when it ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/jit-process.js';
import { codeBlocks, markdownFiles, type CodeBlock } from '../support/markdown-blocks.js';

/** The fence info string that marks a block to run. */
const RUNNABLE = 'sh runnable';
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const BLOCK_TIMEOUT = 90_000;

const runnable = new Map<string, CodeBlock[]>();
for (const file of markdownFiles()) {
  const blocks = codeBlocks(file).filter((b) => b.info === RUNNABLE);
  if (blocks.length > 0) runnable.set(file, blocks);
}

describe('runnable docs', () => {
  it('has runnable blocks (README.md or docs/ mark them ```sh runnable)', () => {
    expect([...runnable.keys()].length).toBeGreaterThan(0);
  });
});

for (const [file, blocks] of runnable) {
  describe(file, () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox(file);
    }, 90_000);
    afterAll(async () => {
      await sandbox.stop();
    });

    for (const block of blocks) {
      it(
        `${file}:${String(block.line)} runs`,
        async () => {
          const result = await runBlock(sandbox, block.text);
          expect(
            result.code,
            `${file}:${String(block.line)} exited ${String(result.code)}\n--- block ---\n${block.text}\n--- output ---\n${result.output}`,
          ).toBe(0);
        },
        BLOCK_TIMEOUT + 5_000,
      );
    }
  });
}

interface Sandbox {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

async function startSandbox(file: string): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), `jit-docs-${file.replace(/\W+/g, '-')}-`));
  await cp(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  await cp(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  await mkdir(join(dir, 'bin'));
  await writeFile(join(dir, 'bin', 'jit'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  await chmod(join(dir, 'bin', 'jit'), 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}`,
    JIT_HOME: join(dir, 'home'),
    NO_COLOR: '1',
    JIT_LOG_LEVEL: 'warn',
    CI: 'true',
  };
  delete env['JIT_SERVER'];
  delete env['JIT_CONFIG'];
  const server = spawn(
    process.execPath,
    [CLI, 'serve', '--config', 'examples/jit.config.yaml', '--port', '0'],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await listeningUrl(server);
  env['JIT_SERVER'] = url;
  return {
    dir,
    env,
    async stop() {
      await stopProcess(server);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function listeningUrl(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      reject(new Error(`the sandbox did not start in 60 s:\n${out}`));
    }, 60_000);
    const read = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = /is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    server.stdout?.on('data', read);
    server.stderr?.on('data', read);
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited with ${String(code)}:\n${out}`));
    });
  });
}

async function runBlock(
  sandbox: Sandbox,
  text: string,
): Promise<{ code: number | null; output: string }> {
  const child = spawn('bash', ['-eo', 'pipefail', '-c', text], {
    cwd: sandbox.dir,
    env: sandbox.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: background jobs stop with it
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      output += `\n(timed out after ${String(BLOCK_TIMEOUT / 1000)} s)`;
      killGroup(child);
    }, BLOCK_TIMEOUT);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  killGroup(child);
  return { code, output };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // the group has already gone
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  await exited;
}
