// OIDC sign-in end to end with the built `jit`: the server and the CLI run as separate
// processes, an OpenID provider (a minimal one, then the Entra emulator) listens on
// 127.0.0.1, and the test plays the browser (redirects followed and forms submitted by hand,
// cookies carried by hand).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CookieJar,
  FakeOidcProvider,
  followAsBrowser,
  type PageSignIn,
} from '../harness/auth-harness.js';
import { parseConfig } from '../../src/config/index.js';
import { startEntraEmulator, type RunningEntraEmulator } from '../../src/emulators/entra/index.js';
import { entraSeedFromConfig } from '../../src/sandbox/entra-sandbox.js';
import { OPEN_URL_PROMPT } from '../../src/cli/loopback-login.js';
import { JitServer, runJit, Workspace, type CliResult } from '../support/jit-process.js';
import { runJitThroughBrowser } from '../support/browser-cli.js';
import { acceptanceConfig } from '../support/test-config.js';

let idp: FakeOidcProvider;
let ws: Workspace;
let server: JitServer;

beforeAll(async () => {
  idp = await FakeOidcProvider.start({ clock: { now: () => Date.now() } });
  ws = await Workspace.create(
    (dir) => `${acceptanceConfig(dir)}auth:
  oidc:
    issuer: ${idp.issuer}
    clientId: ${idp.clientId}
    clientSecretEnv: TEST_OIDC_SECRET
    allowInsecureRequests: true
  session: { ttl: PT8H }
`,
  );
  server = await JitServer.start(ws, { env: { TEST_OIDC_SECRET: idp.clientSecret } });
});

afterAll(async () => {
  await server.stop();
  await idp.close();
  await ws.dispose();
});

const home = (user: string): string => join(ws.dir, `home-${user}`);

function jitAs(user: string, args: readonly string[]): Promise<CliResult> {
  return runJit(args, { JIT_HOME: home(user), JIT_SERVER: server.url });
}

/** `jit login --no-browser` as a process; once it prints the URL, the test is the browser
 *  (on a sign-in page, as `signIn`). */
function cliLogin(
  user: string,
  on: { server: JitServer; home: (user: string) => string } = { server, home },
  signIn?: PageSignIn,
): Promise<CliResult> {
  return runJitThroughBrowser(
    ['login'],
    { JIT_HOME: on.home(user), JIT_SERVER: on.server.url },
    signIn,
  );
}

describe('OIDC sign-in with the built CLI and server', () => {
  it('signs in from the terminal through the browser, acts, and signs out on the server', async () => {
    idp.next = { login: 'alice@example.com', amr: ['pwd', 'mfa'] };
    const login = await cliLogin('alice');
    expect(login.stderr).toContain(OPEN_URL_PROMPT);
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/signed in to .* as alice@example\.com \(with MFA\)/);

    const me = await jitAs('alice', ['--json', 'whoami']);
    expect(JSON.parse(me.stdout)).toMatchObject({ id: 'alice@example.com', mfa: true });
    const requested = await jitAs('alice', [
      'request',
      'prod-admin',
      '--duration',
      'PT1H',
      '--justification',
      'INC-7: OIDC acceptance',
    ]);
    expect(requested.code).toBe(0);
    expect(requested.stdout).toMatch(/waiting for approval/);

    const logout = await jitAs('alice', ['logout']);
    expect(logout.stdout).toBe('signed out\n');
    expect(logout.stderr).toBe('');
    const after = await jitAs('alice', ['whoami']);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/not signed in/);
  });

  it('refuses a role that requires MFA to a sign-in without mfa', async () => {
    idp.next = { login: 'dave@example.com', amr: ['pwd'] };
    expect((await cliLogin('dave')).code).toBe(0);
    const refused = await jitAs('dave', [
      'request',
      'prod-admin',
      '--duration',
      'PT1H',
      '--justification',
      'INC-8',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/MFA/);
  });

  it('keeps a browser session in a cookie, wants the CSRF token for changes, and ends it at its ttl', async () => {
    idp.next = { login: 'bob@example.com', amr: ['pwd', 'mfa'] };
    const jar = new CookieJar();
    const landed = await followAsBrowser(`${server.url}/auth/login?returnTo=/v1/me`, jar);
    expect(landed.url).toBe(`${server.url}/v1/me`);
    expect(await landed.response?.json()).toMatchObject({ id: 'bob@example.com', mfa: true });

    const cookie = { cookie: jar.header() };
    const noCsrf = await fetch(`${server.url}/v1/auth/sessions?principal=bob@example.com`, {
      method: 'DELETE',
      headers: cookie,
    });
    expect(noCsrf.status).toBe(403);

    await server.advance('PT8H');
    const expired = await fetch(`${server.url}/v1/me`, { headers: cookie });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await expired.json()) as { detail: string }).detail).toMatch(
      /your session expired at .*; sign in again: open http:\/\/127\.0\.0\.1:\d+\/auth\/login/,
    );
  });
});

describe('OIDC sign-in with the built CLI and server against the Entra emulator', () => {
  let entra: RunningEntraEmulator;
  let ews: Workspace;
  let eserver: JitServer;
  const ehome = (user: string): string => join(ews.dir, `home-${user}`);
  const jitThere = (user: string, args: readonly string[]): Promise<CliResult> =>
    runJit(args, { JIT_HOME: ehome(user), JIT_SERVER: eserver.url });

  beforeAll(async () => {
    const parsed = parseConfig(acceptanceConfig('/nonexistent'), 'acceptance.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    entra = await startEntraEmulator({
      clock: { now: () => Date.now() },
      seed: entraSeedFromConfig(parsed.config),
    });
    // Only configuration points the server at the emulator, as it would at Entra.
    ews = await Workspace.create(
      (dir) => `${acceptanceConfig(dir)}auth:
  oidc:
    issuer: ${entra.issuer}
    clientId: ${entra.app.clientId}
    clientSecretEnv: JIT_OIDC_CLIENT_SECRET
    allowInsecureRequests: true
`,
    );
    eserver = await JitServer.start(ews, {
      env: { JIT_OIDC_CLIENT_SECRET: entra.app.clientSecret },
    });
  });

  afterAll(async () => {
    await eserver.stop();
    await entra.close();
    await ews.dispose();
  });

  it('signs in with jit login through the emulator page, and refuses MFA roles without MFA', async () => {
    const on = { server: eserver, home: ehome };
    const alice = await cliLogin('alice', on, { upn: 'alice@example.com' });
    expect(alice.code).toBe(0);
    expect(alice.stdout).toMatch(/as alice@example\.com \(with MFA\)/);
    const requested = await jitThere('alice', [
      'request',
      'prod-admin',
      '--duration',
      'PT1H',
      '--justification',
      'INC-10: emulator',
    ]);
    expect(requested.code).toBe(0);

    const noMfa = await cliLogin('alice2', on, { upn: 'alice@example.com', mfa: false });
    expect(noMfa.stdout).toMatch(/without MFA/);
    const refused = await jitThere('alice2', [
      'request',
      'prod-admin',
      '--duration',
      'PT1H',
      '--justification',
      'INC-11',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/MFA/);

    expect((await jitThere('alice', ['logout'])).stdout).toBe('signed out\n');
    expect(entra.calls()['POST /token']).toBe(2);
  });
});
