// `jit login` (no --as) and `jit logout` in-process, against a real server with OIDC and a
// fake OpenID provider, over real HTTP: the test reads the printed URL and plays the browser.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test/support/test-app.js';
import {
  FakeOidcProvider,
  followAsBrowser,
  startOidcTestApp,
} from '../../test/harness/auth-harness.js';
import { OPEN_URL_PROMPT } from './loopback-login.js';
import { buildProgram } from './program.js';

let idp: FakeOidcProvider;
let t: TestApp;
let server: string;
let home: string;

beforeEach(async () => {
  idp = await FakeOidcProvider.start({ clock: { now: () => t.clock.now() } });
  ({ t, url: server } = await startOidcTestApp(idp));
  home = await mkdtemp(join(tmpdir(), 'jit-login-'));
});

afterEach(async () => {
  await t.close();
  await idp.close();
  await rm(home, { recursive: true, force: true });
});

/** Runs `jit <args>`; `onStderr` sees standard error as it grows. */
async function jit(args: readonly string[], onStderr?: (text: string) => void) {
  let stdout = '';
  let stderr = '';
  const program = buildProgram({
    env: { JIT_HOME: home, JIT_SERVER: server },
    stdout: new Writable({
      write(chunk: Buffer, _e, done) {
        stdout += chunk.toString();
        done();
      },
    }),
    stderr: new Writable({
      write(chunk: Buffer, _e, done) {
        stderr += chunk.toString();
        onStderr?.(stderr);
        done();
      },
    }),
    now: () => t.clock.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    version: '9.9.9',
  });
  let error: unknown;
  try {
    await program.parseAsync(['node', 'jit', ...args]);
  } catch (caught) {
    error = caught;
  }
  return { stdout, stderr, error };
}

/** `jit login --no-browser`, with the test as the browser once the URL is printed. */
async function login(args: readonly string[] = []) {
  let browsed: Promise<unknown> | undefined;
  const run = await jit(['login', '--no-browser', ...args], (text) => {
    const lines = text.split('\n');
    const at = lines.indexOf(OPEN_URL_PROMPT);
    const url = at >= 0 ? lines[at + 1] : undefined;
    if (browsed === undefined && url !== undefined && url !== '') {
      browsed = followAsBrowser(url);
    }
  });
  await browsed;
  return run;
}

// eslint-disable-next-line no-control-regex
const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');

describe('jit login through the browser', () => {
  it('signs in through the server and the provider, saves the token, and uses it', async () => {
    const run = await login();
    expect(run.error).toBeUndefined();
    expect(run.stderr).toContain(`${server}/auth/login?cli_redirect=http%3A%2F%2F127.0.0.1%3A`);
    expect(plain(run.stdout)).toMatch(
      /signed in to .* as alice@example\.com \(with MFA\); until 2026-11-28T18:00:00\.000Z/,
    );
    const saved = JSON.parse(await readFile(join(home, 'credentials.json'), 'utf8')) as {
      token: string;
      user: string;
    };
    expect(saved.token).toMatch(/^jit_/);
    expect(saved.user).toBe('alice@example.com');
    const me = await jit(['--json', 'whoami']);
    expect(JSON.parse(me.stdout)).toMatchObject({ id: 'alice@example.com', mfa: true });
    expect(await t.store.listSessions({ liveAt: t.clock.now() })).toHaveLength(1);
  });

  it('signs out on the server too', async () => {
    await login();
    const out = await jit(['logout']);
    expect(out.error).toBeUndefined();
    expect(out.stdout).toBe('signed out\n');
    expect(await t.store.listSessions({ liveAt: t.clock.now() })).toEqual([]);
    const after = await jit(['whoami']);
    expect(String(after.error)).toMatch(/not signed in/);
  });

  it('reports a refusal from the provider', async () => {
    idp.denyNext = 'access_denied';
    const run = await login();
    expect(String(run.error)).toMatch(/sign-in failed: access_denied/);
  });

  it('prints JSON with --json, keeping progress on standard error', async () => {
    const run = await login(['--json']);
    expect(run.error).toBeUndefined();
    expect(JSON.parse(run.stdout)).toMatchObject({
      server,
      principal: { id: 'alice@example.com' },
    });
  });
});
