// Acceptance (Entra issue): the seed's flow driven from a terminal. `jit pim activate` signs
// the person in at the sandbox's Entra emulator (the test plays the browser on its sign-in
// page), activates the role in PIM with their own delegated Graph token, and the running
// `jit serve` sees the activation at its next poll and grants access.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_URL_PROMPT } from '../../src/cli/loopback-login.js';
import { JitServer, runJit, Workspace, type CliResult } from '../support/jit-process.js';
import { runJitThroughBrowser } from '../support/browser-cli.js';
import { acceptanceConfig } from '../support/test-config.js';

let ws: Workspace;
let server: JitServer;

const PIM_ROLE = `  prod-pim:
    source: entra-pim
    group: JIT-Prod-PIM
    permissionSet: AdminAccess
    accounts: ['111111111111']
    activation:
      maxDuration: PT2H
      requireJustification: true
      requireMfa: false
      approval: { required: false }
    eligibility:
      members: [alice, dave]
`;

beforeAll(async () => {
  ws = await Workspace.create(
    (dir) =>
      `${acceptanceConfig(dir).replace('directory:\n', `${PIM_ROLE}directory:\n`)}entra:\n  pollInterval: PT2S\n`,
  );
  server = await JitServer.start(ws);
});

afterAll(async () => {
  await server.stop();
  await ws.dispose();
});

const home = (user: string): string => join(ws.dir, `home-${user}`);

function jitAs(user: string, args: readonly string[]): Promise<CliResult> {
  return runJit(args, { JIT_HOME: home(user), JIT_SERVER: server.url });
}

/** Runs `jit pim activate` as a process; when it prints the sign-in URL, the test is the
 *  browser and signs in as `upn` on the emulator's page. */
function pimActivate(user: string, upn: string, args: readonly string[]): Promise<CliResult> {
  return runJitThroughBrowser(
    ['pim', 'activate', ...args],
    { JIT_HOME: home(user), JIT_SERVER: server.url },
    { upn },
  );
}

describe('jit pim activate against the sandbox Entra emulator', () => {
  it('says what PIM refused and how to fix it', async () => {
    expect((await jitAs('alice', ['login', '--as', 'alice'])).code).toBe(0);
    const refused = await pimActivate('alice', 'alice@example.com', [
      'prod-pim',
      '--duration',
      'PT1H',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Entra PIM refused to activate prod-pim: .*JustificationRule/);
    expect(refused.stderr).toMatch(/give a reason with --justification/);
  });

  it('activates in PIM from the terminal, and the server grants access at its next poll', async () => {
    const activated = await pimActivate('alice', 'alice@example.com', [
      'prod-pim',
      '--duration',
      'PT1H',
      '--justification',
      'INC-77: from the terminal',
    ]);
    expect(activated.stderr).toContain(OPEN_URL_PROMPT);
    expect(activated.code, activated.stderr).toBe(0);
    expect(activated.stdout).toMatch(/activated prod-pim in Entra PIM for PT1H .*Provisioned/);

    await server.post('/v1/sandbox/poll', {});
    await server.reconcile();
    const grants = JSON.parse(
      (await jitAs('alice', ['--json', 'grants', '--role', 'prod-pim'])).stdout,
    ) as { status: string; principal: string; source?: { kind: string } }[];
    expect(grants).toEqual([
      expect.objectContaining({
        status: 'active',
        principal: 'alice@example.com',
        source: expect.objectContaining({ kind: 'entra-pim' }) as unknown,
      }),
    ]);
  });

  it('waits with --wait until the watcher (polling every 2 s here) has granted access', async () => {
    expect((await jitAs('dave', ['login', '--as', 'dave'])).code).toBe(0);
    const started = Date.now();
    const result = await pimActivate('dave', 'dave@example.com', [
      'prod-pim',
      '--duration',
      'PT30M',
      '--justification',
      'INC-78',
      '--wait',
      '--wait-seconds',
      '30',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/access granted: grant g_\S+, active until /);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('deactivates early with jit pim deactivate: too soon is refused with the reason, later the grant is revoked', async () => {
    const tooSoon = await runJitThroughBrowser(
      ['pim', 'deactivate', 'prod-pim'],
      { JIT_HOME: home('alice'), JIT_SERVER: server.url },
      { upn: 'alice@example.com' },
    );
    expect(tooSoon.code).toBe(1);
    expect(tooSoon.stderr).toMatch(
      /Entra PIM refused to deactivate prod-pim: ActiveDurationTooShort/,
    );
    expect(tooSoon.stderr).toMatch(/only after 5 minutes/);

    await server.advance('PT6M');
    const done = await runJitThroughBrowser(
      ['pim', 'deactivate', 'prod-pim'],
      { JIT_HOME: home('alice'), JIT_SERVER: server.url },
      { upn: 'alice@example.com' },
    );
    expect(done.code, JSON.stringify(done.stderr)).toBe(0);
    expect(done.stdout).toMatch(/deactivated prod-pim in Entra PIM/);
    await server.post('/v1/sandbox/poll', {});
    await server.reconcile();
    const grants = JSON.parse(
      (await jitAs('alice', ['--json', 'grants', '--role', 'prod-pim', '--status', 'revoked']))
        .stdout,
    ) as { principal: string; endedBy?: string }[];
    expect(grants).toEqual([
      expect.objectContaining({ principal: 'alice@example.com', endedBy: 'source:entra-pim' }),
    ]);
  });

  it('refuses a native role with a pointer to jit request', async () => {
    const result = await jitAs('alice', ['pim', 'activate', 'prod-admin', '--no-browser']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not activated in Entra PIM here .*jit request/);
  });
});
