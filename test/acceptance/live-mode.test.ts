// Acceptance (live mode): the built server runs in mode: live as a process of its own, with
// no sandbox code path, against the emulators standing in for a real AWS organisation and
// Entra tenant. It is configured only as a deployment is: a live config, AWS through the
// standard environment (region, AWS_ENDPOINT_URL_*, container credentials the test serves,
// and AssumeRole of aws.roleArn), Entra through the config's authority. People sign in on
// the Entra emulator's page; access lands in the IdC emulator and ends, sessions included.
// No clock is moved: a live server has no test hooks, so grants end by revocation and PIM
// deactivation here (expiry on a fake clock is covered by the sandbox suites).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentOperations } from '../../infra/lib/sent-commands.js';
import { runJitThroughBrowser } from '../support/browser-cli.js';
import { JitServer, ROOT, runJit, type CliResult } from '../support/jit-process.js';
import { eventually, LiveWorld } from '../support/live-world.js';

let world: LiveWorld;
let server: JitServer;
let env: Record<string, string>;

beforeAll(async () => {
  world = await LiveWorld.start();
  // From here on the emulator counts only what the live server (and the test's own
  // look-ups, which are controller reads too) sends.
  world.identityCenter.emulator.resetCalls();
  env = world.env();
  server = await JitServer.start(world.ws, { live: { port: world.port }, env });
}, 60_000);

afterAll(async () => {
  await server.stop();
  await world.close();
});

const home = (user: string): string => join(world.ws.dir, `home-${user}`);

function jitAs(user: string, args: readonly string[]): Promise<CliResult> {
  return runJit(args, { JIT_HOME: home(user), JIT_SERVER: server.url });
}

/** `jit login` through the browser: the test signs in as `upn` on the Entra emulator's page. */
async function signIn(user: string, upn: string): Promise<void> {
  const result = await runJitThroughBrowser(
    ['login'],
    { JIT_HOME: home(user), JIT_SERVER: server.url },
    { upn },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toContain(`as ${upn}`);
}

describe('jit serve in live mode', () => {
  it('starts with AWS from the standard environment and says what it connected to', async () => {
    const health = await server.get<Record<string, unknown>>('/healthz');
    expect(health.body).toMatchObject({ status: 'ok', mode: 'live', sandboxLogin: false });
    // Credentials came from the container endpoint, and AssumeRole made the controller's.
    expect(world.credentials.requests).toBeGreaterThan(0);
    const calls = world.identityCenter.emulator.calls().operations;
    expect(calls['AssumeRole']?.calls).toBeGreaterThan(0);
    expect(calls['ListInstances']?.calls).toBeGreaterThan(0);
    expect(server.stderr).not.toMatch(/sandbox sign-in is ON/);
  });

  it('signs a person in through Entra, grants on approval within a pass, and ends access and sessions on revoke', async () => {
    await signIn('alice', 'alice@example.com');
    await signIn('bob', 'bob@example.com');
    const requested = await jitAs('alice', [
      '--json',
      'request',
      'prod-admin',
      '--duration',
      'PT1H',
      '--justification',
      'INC-42: live acceptance',
    ]);
    expect(requested.code, requested.stderr).toBe(0);
    const id = (JSON.parse(requested.stdout) as { grant: { id: string } }).grant.id;
    expect(await world.isMember('JIT-prod-admin', 'alice@example.com')).toBe(false);

    const approved = await jitAs('bob', ['approve', id]);
    expect(approved.code, approved.stderr).toBe(0);
    // The approval kicks the controller: one pass puts alice in the group.
    await eventually(() => world.isMember('JIT-prod-admin', 'alice@example.com'), 'access', 5_000);
    const session = await world.issueSession('alice@example.com', 'AdminAccess');
    expect(session.status).toBe(201);
    expect(await world.sessionAllowed(session.sessionId ?? '')).toBe(true);

    const revoked = await jitAs('alice', ['revoke', id, '--reason', 'done']);
    expect(revoked.code, revoked.stderr).toBe(0);
    await eventually(
      async () => !(await world.isMember('JIT-prod-admin', 'alice@example.com')),
      'removal',
      5_000,
    );
    await eventually(
      async () => !(await world.sessionAllowed(session.sessionId ?? '')),
      'session denied',
      5_000,
    );
    const shown = await jitAs('alice', ['--json', 'show', id]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'revoked' });
  }, 60_000);

  it('mirrors a PIM activation into access within a poll, and ends access and sessions at its end in PIM', async () => {
    const activated = await runJitThroughBrowser(
      [
        'pim',
        'activate',
        'prod-pim',
        '--duration',
        'PT1H',
        '--justification',
        'INC-43: live PIM',
        '--wait',
      ],
      { JIT_HOME: home('alice'), JIT_SERVER: server.url },
      { upn: 'alice@example.com' },
    );
    expect(activated.code, activated.stderr).toBe(0);
    await eventually(() => world.isMember('JIT-Prod-PIM', 'alice@example.com'), 'PIM access');
    const session = await world.issueSession('alice@example.com', 'AdminAccess');
    expect(await world.sessionAllowed(session.sessionId ?? '')).toBe(true);

    // The activation's hour passes in the tenant (PIM refuses a deactivation in the first
    // five minutes, as Entra does): Entra ends it, and the next poll ends the grant.
    world.entraClock.advance(61 * 60_000);
    await eventually(
      async () => !(await world.isMember('JIT-Prod-PIM', 'alice@example.com')),
      'PIM removal',
    );
    await eventually(
      async () => !(await world.sessionAllowed(session.sessionId ?? '')),
      'PIM session denied',
    );
  }, 90_000);

  it("sent AWS only operations the deployment's controller role holds (infra/lib/sent-commands.ts)", () => {
    const derived = sentOperations(ROOT, 'controller');
    const received = Object.entries(world.identityCenter.emulator.calls().operations)
      .filter(([, counts]) => counts.calls > 0)
      .map(([operation]) => operation);
    expect(received.length).toBeGreaterThan(10);
    expect(received.filter((operation) => !derived.has(operation))).toEqual([]);
  });
});

describe('nothing of the sandbox in live mode', () => {
  it('refuses every sandbox route, signed in or not, with ERR_SANDBOX_ONLY', async () => {
    const routes: [string, string][] = [
      ['POST', '/v1/auth/sandbox-login'],
      ['GET', '/v1/sandbox/target'],
      ['GET', '/v1/sandbox/clock'],
      ['POST', '/v1/sandbox/clock'],
      ['POST', '/v1/sandbox/poll'],
      ['POST', '/v1/sandbox/reconcile'],
    ];
    for (const [method, path] of routes) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify({ user: 'alice', advance: 'PT1H' }) } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.headers.get('x-jit-sandbox-login')).toBeNull();
      const problem = (await response.json()) as { code: string; detail: string };
      expect(problem.code).toBe('ERR_SANDBOX_ONLY');
      expect(problem.detail).toMatch(/live mode/);
    }
  });

  it('refuses jit login --as', async () => {
    const result = await jitAs('mallory', ['login', '--as', 'alice']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/live mode.*sign in with OIDC/);
  });

  it('refuses each sandbox flag and test-hook variable of jit serve, starting nothing', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--test-hooks'], {}, /--test-hooks .* is sandbox only/],
      [['--walkthrough'], {}, /--walkthrough is sandbox only/],
      [['--sandbox-target', 'file'], {}, /--sandbox-target is sandbox only/],
      [
        ['--identity-center-endpoint', 'http://127.0.0.1:9'],
        {},
        /--identity-center-endpoint .* is sandbox only/,
      ],
      [[], { JIT_TEST_CLOCK: '2030-01-01T00:00:00Z' }, /JIT_TEST_CLOCK .* is sandbox only/],
      [[], { JIT_TEST_CRASH_AT: 'after-apply' }, /JIT_TEST_CRASH_AT .* is sandbox only/],
    ];
    for (const [flags, extra, message] of cases) {
      const result = await runJit(
        ['serve', '--config', world.ws.configPath, '--port', '0', ...flags],
        { ...env, ...extra },
        world.ws.dir,
      );
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
