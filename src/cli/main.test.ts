// The built entry, dist/src/cli/main.js, as a user runs it: exit codes 0, 1 and 2, messages
// on stderr, and never a stack trace. (test/support/global-setup.ts builds dist first.)
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptanceConfig } from '../../test/support/test-config.js';
import { openStore } from '../store/open-store.js';
import { MINIMUM_NODE_MAJOR, nodeVersionProblem } from './node-version.js';

const ENTRY = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const STACK = /^\s*at \S|node_modules|\.ts:\d|\.js:\d/m;

let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'jit-main-'));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

function run(
  args: readonly string[],
  node: string = process.execPath,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      node,
      [ENTRY, ...args],
      {
        cwd: home,
        env: { PATH: process.env['PATH'] ?? '', HOME: home, JIT_HOME: home, NO_COLOR: '1' },
        timeout: 20_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** A Node.js older than the floor to try the refusal with: JIT_TEST_OLD_NODE, or the system node. */
function oldNode(): { path: string; version: string } | undefined {
  for (const path of [process.env['JIT_TEST_OLD_NODE'], '/usr/bin/node', '/usr/local/bin/node']) {
    if (path === undefined || !existsSync(path)) continue;
    const version = execFileSync(path, ['-p', 'process.versions.node'], {
      encoding: 'utf8',
    }).trim();
    if (nodeVersionProblem(version) !== undefined) return { path, version };
  }
  return undefined;
}

const OLD_NODE = oldNode();

describe('the jit binary on an old Node.js', () => {
  it.skipIf(OLD_NODE === undefined)(
    'refuses in one line naming the version found and the one needed, exit 2',
    async () => {
      if (OLD_NODE === undefined) return;
      for (const args of [['--version'], ['serve', '--config', 'examples/jit.config.yaml']]) {
        const result = await run(args, OLD_NODE.path);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe(
          `error: JIT Access needs Node.js ${String(MINIMUM_NODE_MAJOR)} or newer, but this is Node.js ${OLD_NODE.version}; ` +
            `install Node.js ${String(MINIMUM_NODE_MAJOR)} LTS (in a clone of the repository, scripts/node24.sh runs any command under it)\n`,
        );
      }
    },
  );

  it('runs on this Node.js, which the floor in package.json engines allows', async () => {
    const pkg = JSON.parse(
      await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    ) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${String(MINIMUM_NODE_MAJOR)}`);
    expect(nodeVersionProblem(process.versions.node)).toBeUndefined();
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});

describe('the jit binary', () => {
  it('exits 2 for a bad --duration, saying what is wrong, without a stack trace', async () => {
    const result = await run(['request', 'x', '--duration', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: --duration: /);
    expect(result.stderr).not.toMatch(STACK);
    expect(result.stdout).toBe('');
  });

  it('exits 0 for --help and --version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: jit/);
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 for an unknown command or option, pointing at --help', async () => {
    for (const args of [['frobnicate'], ['grants', '--colour']]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/error: unknown (command|option)/);
      expect(result.stderr).toMatch(/jit --help/);
      expect(result.stderr).not.toMatch(STACK);
    }
  });

  it('exits 1 when not signed in, and when the server cannot be reached', async () => {
    const signedOut = await run(['roles']);
    expect(signedOut.code).toBe(1);
    expect(signedOut.stderr).toMatch(/not signed in/);
    const unreachable = await run(['--server', 'http://127.0.0.1:1', 'login', '--as', 'alice']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the JIT Access server .*npm start/);
    expect(unreachable.stderr).not.toMatch(STACK);
  });

  it('exits 1 without a stack trace when an export file cannot be written', async () => {
    const config = join(home, 'jit.config.yaml');
    await writeFile(config, acceptanceConfig(home));
    await (await openStore({ sqlitePath: join(home, 'jit.db') })).close();
    const result = await run(['audit', 'export', '-c', config, '-o', join(home, 'no', 'x.jsonl')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot write .*x\.jsonl: its folder does not exist/);
    expect(result.stderr).not.toMatch(STACK);
  });

  it('exits 2 naming the file for a config that does not validate', async () => {
    const result = await run(['config', 'validate', join(home, 'missing.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/missing\.yaml: no such file/);
  });

  it('prints errors as JSON under --json, usage errors included (review)', async () => {
    for (const [args, code] of [
      [['--json', 'roles'], 1],
      [['--json', 'request', 'x', '--duration', 'nope'], 2],
      [['--json', 'frobnicate'], 2],
    ] as const) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(code);
      const parsed = JSON.parse(result.stderr) as { error: { message: string; exitCode: number } };
      expect(parsed.error.exitCode).toBe(code);
      expect(parsed.error.message).not.toMatch(/^error:/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('exits quietly when the reader of its output goes away (`jit … | head`)', async () => {
    const config = join(home, 'pipe.yaml');
    await writeFile(config, acceptanceConfig(home));
    const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, [ENTRY, '--help'], {
        env: { PATH: process.env['PATH'] ?? '', HOME: home, JIT_HOME: home, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.destroy(); // the pipe's reader is gone before anything is written
      child.on('exit', (code) => {
        done({ code, stderr });
      });
    });
    expect(result.stderr).not.toMatch(/EPIPE/);
    expect(result.code).toBe(0);
  });

  it('prints tables without colour when NO_COLOR is set, even where colour is forced', () => {
    const output = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'output.js');
    const script = `import(${JSON.stringify(output)}).then((m) => process.stdout.write(m.rolesTable([])))`;
    const table = (env: Record<string, string>): string =>
      execFileSync(process.execPath, ['-e', script], {
        env: { PATH: process.env['PATH'] ?? '', ...env },
        encoding: 'utf8',
      });
    // eslint-disable-next-line no-control-regex
    const ESCAPE = /\u001b\[/;
    expect(table({ FORCE_COLOR: '1' })).toMatch(ESCAPE);
    expect(table({ FORCE_COLOR: '1', NO_COLOR: '1' })).not.toMatch(ESCAPE);
  });
});
