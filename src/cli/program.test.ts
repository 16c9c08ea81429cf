// The CLI in-process against a real server on a loopback port: output, --json, exit codes
// (CliError 2 for invalid input, 1 for refusals and an unreachable server), and the commands
// that work on the config and the store directly.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, TEST_START, type TestApp } from '../../test/support/test-app.js';
import { LIVE_AUTH_YAML } from '../../test/harness/config-builders.js';
import { CliError } from './cli-error.js';
import { buildProgram } from './program.js';

interface CliRun {
  readonly stdout: string;
  readonly stderr: string;
  /** What parseAsync threw, if anything. */
  readonly error: unknown;
}

interface Outcome {
  grant: { id: string; status: string; endsAt?: string; extension?: { endsAt: string } };
  action: string;
}

// eslint-disable-next-line no-control-regex
const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => plain(text) };
}

let t: TestApp;
let server: string;
let root: string;

/** Each user has their own JIT_HOME, as on separate machines. */
const home = (user: string): string => join(root, `home-${user}`);

async function jit(
  args: readonly string[],
  options: { user?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const out = sink();
  const err = sink();
  const program = buildProgram({
    env: { JIT_HOME: home(options.user ?? 'nobody'), JIT_SERVER: server, ...options.env },
    stdout: out.stream,
    stderr: err.stream,
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
  return { stdout: out.text(), stderr: err.text(), error };
}

/** Runs a command that must succeed. */
async function ok(args: readonly string[], user?: string): Promise<string> {
  const run = await jit(args, user ? { user } : {});
  if (run.error !== undefined) {
    const message = run.error instanceof Error ? run.error.message : JSON.stringify(run.error);
    throw new Error(`jit ${args.join(' ')} failed: ${message}\n${run.stderr}`);
  }
  return run.stdout;
}

async function json<T>(args: readonly string[], user?: string): Promise<T> {
  return JSON.parse(await ok(['--json', ...args], user)) as T;
}

/** Runs a command that must fail with a CliError of this exit code. */
async function fails(
  args: readonly string[],
  exitCode: 1 | 2,
  options: { user?: string; env?: Record<string, string> } = {},
): Promise<CliError> {
  const run = await jit(args, options);
  expect(run.error, `jit ${args.join(' ')}`).toBeInstanceOf(CliError);
  const error = run.error as CliError;
  expect({ exitCode: error.exitCode, message: error.message }).toMatchObject({ exitCode });
  expect(error.message).not.toMatch(/^\s*at \S|node_modules|\.ts:\d/m);
  return error;
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const address = probe.address();
  await new Promise<void>((done) => {
    probe.close(() => {
      done();
    });
  });
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  t = await createTestApp();
  server = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  root = await mkdtemp(join(tmpdir(), 'jit-cli-'));
});

afterAll(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

// Tests move the clock; fresh sign-ins keep MFA evidence recent.
beforeEach(async () => {
  t.clock.set(TEST_START);
  for (const user of ['alice', 'bob', 'carol', 'dave', 'mallory'])
    await ok(['login', '--as', user], user);
});

describe('sign-in', () => {
  it('signs in, keeps the token in a 0600 file, and never prints it', async () => {
    const out = await ok(['login', '--as', 'alice'], 'alice');
    expect(out).toMatch(`signed in to ${server} as alice@example.com (with MFA)`);
    const file = join(home('alice'), 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { token: string; server: string };
    expect(saved.server).toBe(server);
    expect(out).not.toContain(saved.token);
    const asJson = await json<{ principal: { id: string } }>(['login', '--as', 'alice'], 'alice');
    expect(asJson.principal.id).toBe('alice@example.com');
    expect(JSON.stringify(asJson)).not.toMatch(/eyJ/);
  });

  it('says who is signed in, and that nobody is after logout', async () => {
    expect(await ok(['whoami'], 'carol')).toMatch(/carol@example.com \(MFA\), administrator/);
    expect(await json(['whoami'], 'dave')).toMatchObject({ id: 'dave@example.com', mfa: false });
    await ok(['logout'], 'dave');
    const error = await fails(['whoami'], 1, { user: 'dave' });
    expect(error.message).toMatch(/not signed in to .*jit login --as <user>/);
  });

  it('refuses an unknown sandbox user with exit 1 listing the users', async () => {
    const error = await fails(['login', '--as', 'zed'], 1);
    expect(error.message).toMatch(/no sandbox user "zed"; the directory has: alice/);
  });

  it('says how to start the server when it cannot be reached', async () => {
    const port = await closedPort();
    const error = await fails(['login', '--as', 'alice'], 1, {
      env: { JIT_SERVER: `http://127.0.0.1:${port}` },
    });
    expect(error.message).toMatch(`cannot reach the JIT Access server at http://127.0.0.1:${port}`);
    expect(error.message).toMatch(/npm start.*jit serve/);
  });

  it('refuses a --server or JIT_SERVER that is not an http(s) URL with exit 2', async () => {
    const flag = await fails(['--server', 'localhost:8400', 'login', '--as', 'alice'], 2);
    expect(flag.message).toMatch(/--server: "localhost:8400" is not an http\(s\) URL/);
    const env = await fails(['roles'], 2, { user: 'alice', env: { JIT_SERVER: 'not a url' } });
    expect(env.message).toMatch(/JIT_SERVER: "not a url"/);
  });

  it('finds the sign-in whether or not the server URL ends in a slash', async () => {
    const out = await jit(['whoami'], { user: 'alice', env: { JIT_SERVER: `${server}/` } });
    expect(out.error).toBeUndefined();
    expect(out.stdout).toMatch(/alice@example.com/);
  });

  it('says where one is signed in when it is another server', async () => {
    const port = await closedPort();
    const error = await fails(['roles'], 1, {
      user: 'alice',
      env: { JIT_SERVER: `http://127.0.0.1:${port}` },
    });
    expect(error.message).toMatch(`you are signed in to ${server}`);
  });

  it('uses --server over JIT_SERVER', async () => {
    const port = await closedPort();
    const out = await jit(['--server', server, 'login', '--as', 'alice'], {
      user: 'alice',
      env: { JIT_SERVER: `http://127.0.0.1:${port}` },
    });
    expect(out.error).toBeUndefined();
  });
});

describe('the grant workflow', () => {
  it('requests, approves, extends and revokes, in words and in JSON', async () => {
    const requested = await ok(
      ['request', 'prod-admin', '--duration', 'PT1H', '--justification', 'INC-1: fix'],
      'alice',
    );
    const id = /requested (g_\w+): waiting for approval \(1 needed\)/.exec(requested)?.[1];
    expect(id, requested).toBeDefined();
    if (id === undefined) return;

    const waiting = await json<{ id: string }[]>(['approvals'], 'bob');
    expect(waiting.map((g) => g.id)).toContain(id);
    expect(await ok(['approvals'], 'bob')).toContain(id);

    expect(await ok(['approve', id, '--comment', 'go'], 'bob')).toMatch(
      `approved ${id}: active until ${new Date(TEST_START + 3600_000).toISOString()}`,
    );
    const shown = await json<{ status: string }>(['show', id], 'alice');
    expect(shown.status).toBe('active');
    expect(await ok(['show', id], 'alice')).toMatch(/status\s+active/);
    expect(await ok(['grants', '--status', 'active'], 'alice')).toContain(id);

    const extension = await json<Outcome>(
      ['extend', id, '--by', 'PT30M', '-j', 'still rolling back'],
      'alice',
    );
    expect(extension.action).toBe('grant.extension_requested');
    const extended = await json<Outcome>(['approve', id], 'bob');
    expect(extended.action).toBe('grant.extended');
    expect(extended.grant.endsAt).toBe(new Date(TEST_START + 90 * 60_000).toISOString());

    expect(await ok(['revoke', id, '--reason', 'done'], 'alice')).toMatch(`revoked ${id}: revoked`);
    expect(await ok(['audit-log', '--grant', id], 'carol')).toMatch(/grant\.revoked/);
  });

  it('cancels and denies', async () => {
    const first = await json<Outcome>(
      ['request', 'prod-admin', '-j', 'INC-2', '--start', '2026-11-28T12:00:00Z'],
      'alice',
    );
    expect(first.grant.status).toBe('pending_approval');
    expect((await json<Outcome>(['cancel', first.grant.id], 'alice')).grant.status).toBe(
      'cancelled',
    );
    const second = await json<Outcome>(['request', 'prod-admin', '-j', 'INC-3'], 'alice');
    expect((await json<Outcome>(['deny', second.grant.id, '-m', 'no'], 'bob')).grant.status).toBe(
      'denied',
    );
  });

  it('lists roles as a table and as JSON', async () => {
    expect(await ok(['roles'], 'alice')).toMatch(/prod-admin/);
    const roles = await json<{ name: string; eligible: boolean }[]>(['roles', '--all'], 'mallory');
    expect(roles.map((r) => [r.name, r.eligible])).toEqual([
      ['db-admin', false],
      ['prod-admin', false],
    ]);
    expect(await ok(['roles'], 'mallory')).toMatch(/not eligible for any role/);
  });

  it('requests per-account roles with --account', async () => {
    const outcome = await json<Outcome & { grant: { accounts: string[] } }>(
      ['request', 'db-admin', '--account', '222222222222', '-j', 'INC-4'],
      'alice',
    );
    expect(outcome.grant.accounts).toEqual(['222222222222']);
  });
});

describe('exit codes', () => {
  it.each([
    [['request', 'prod-admin', '--duration', 'nope'], /--duration/],
    [['request', 'prod-admin', '--duration', 'PT'], /--duration/],
    [
      ['request', 'db-admin', '--account', '1234'],
      /--account: "1234" is not a 12-digit AWS account id/,
    ],
    [
      ['request', 'prod-admin', '--start', 'tomorrow'],
      /--start: "tomorrow" is not an ISO 8601 time/,
    ],
    [['request', 'prod-admin', '--start', '2026-13-45T99:00:00Z'], /--start/],
    [['extend', 'g_1'], /exactly one of --by PT1H or --until/],
    [['extend', 'g_1', '--by', 'PT1H', '--until', '2026-11-28T12:00:00Z'], /exactly one of/],
    [['extend', 'g_1', '--by', 'later'], /--by/],
    [['extend', 'g_1', '--until', 'later'], /--until/],
    [['grants', '--limit', 'ten'], /--limit/],
    [['grants', '--limit', '0'], /--limit/],
    [['grants', '--status', 'bogus'], /status/],
    [['serve', '--port', '99999'], /--port/],
  ])('jit %j exits 2 naming the flag', async (args, message) => {
    const error = await fails(args, 2, { user: 'alice' });
    expect(error.message).toMatch(message);
  });

  it('refuses a too-long duration from the server with exit 2', async () => {
    const error = await fails(['request', 'prod-admin', '--duration', 'PT9H', '-j', 'x'], 2, {
      user: 'alice',
    });
    expect(error.message).toMatch(/PT4H/);
  });

  it('refuses a body over the server limit with exit 2', async () => {
    const error = await fails(['request', 'prod-admin', '-j', 'x'.repeat(70_000)], 2, {
      user: 'alice',
    });
    expect(error.message).toMatch(/too large/);
  });

  it('refuses to serve a live config whose checks fail, with exit 1 and the fixes, before opening the store', async () => {
    // AWS through the SDK's own environment: keys that resolve, an endpoint nobody answers.
    const port = await closedPort();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAEXAMPLEEXAMPLE00');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'example-secret-not-used');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_ENDPOINT_URL', `http://127.0.0.1:${String(port)}`);
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    const live = join(root, 'live.yaml');
    const text = `${(await readFile(t.configPath, 'utf8')).replace('mode: sandbox', 'mode: live')}\n${LIVE_AUTH_YAML.join('\n')}\n`;
    await writeFile(
      live,
      text
        .replace(
          /store:\n {2}sqlite: .*\n/,
          `store:\n  sqlite: ${JSON.stringify(join(root, 'live', 'jit.db'))}\n`,
        )
        // Nothing leaves the machine: the provider is a loopback port nobody answers.
        .replace(/issuer: https:\/\/\S+/, `issuer: http://127.0.0.1:${String(port)}/v2.0`),
    );
    try {
      const error = await fails(['serve', '--config', live], 1, {
        env: { JIT_SESSION_SECRET: 'x'.repeat(48), JIT_OIDC_CLIENT_SECRET: 'unused' },
      });
      expect(error.message).toMatch(/refusing to start in live mode/);
      expect(error.message).toMatch(/AWS credentials/);
      expect(error.message).not.toMatch(/example-secret-not-used/);
      await expect(stat(join(root, 'live'))).rejects.toThrow(/ENOENT/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('exits 1 with the reason when the server refuses', async () => {
    const notEligible = await fails(['request', 'prod-admin', '-j', 'x'], 1, { user: 'mallory' });
    expect(notEligible.message).toMatch(/eligible/);
    expect(notEligible.details).toEqual(['ERR_NOT_ELIGIBLE']);
    const noMfa = await fails(['request', 'prod-admin', '-j', 'x'], 1, { user: 'dave' });
    expect(noMfa.details).toEqual(['ERR_MFA_REQUIRED']);
    const unknown = await fails(['show', 'g_missing'], 1, { user: 'alice' });
    expect(unknown.details).toEqual(['ERR_NOT_FOUND']);
    const requested = await json<Outcome>(['request', 'prod-admin', '-j', 'x'], 'alice');
    const self = await fails(['approve', requested.grant.id], 1, { user: 'alice' });
    expect(self.details).toEqual(['ERR_SELF_APPROVAL']);
  });

  it('exits 1 when the sign-in has expired, saying to sign in again', async () => {
    t.clock.advance(25 * 3600_000);
    const error = await fails(['whoami'], 1, { user: 'alice' });
    expect(error.message).toMatch(/expired; sign in again/);
  });

  it('throws a CommanderError for an unknown option or command, and for a missing argument', async () => {
    for (const args of [['request', 'prod-admin', '--colour', 'blue'], ['frobnicate'], ['show']]) {
      const run = await jit(args, { user: 'alice' });
      expect(run.error, args.join(' ')).toBeInstanceOf(CommanderError);
      expect((run.error as CommanderError).exitCode).not.toBe(0);
      expect(run.stderr).toMatch(/error: /);
    }
  });

  it('prints help and the version with exit code 0', async () => {
    const help = await jit(['--help']);
    expect(help.error).toBeInstanceOf(CommanderError);
    expect((help.error as CommanderError).exitCode).toBe(0);
    expect(help.stdout).toMatch(/Usage: jit/);
    const version = await jit(['--version']);
    expect((version.error as CommanderError).exitCode).toBe(0);
    expect(version.stdout.trim()).toBe('9.9.9');
  });
});

describe('config validate', () => {
  it('accepts a good file', async () => {
    const out = await ok(['config', 'validate', t.configPath]);
    expect(out).toMatch(/ok: .*2 roles, 2 permission sets, mode sandbox/);
    expect(await json(['config', 'validate', t.configPath])).toMatchObject({
      ok: true,
      roles: ['prod-admin', 'db-admin'],
    });
  });

  it('refuses a bad file with exit 2 and one line per problem', async () => {
    const good = await readFile(t.configPath, 'utf8');
    const tooLong = join(root, 'too-long.yaml');
    await writeFile(tooLong, good.replace('maxDuration: PT4H', 'maxDuration: PT48H'));
    const error = await fails(['config', 'validate', tooLong], 2);
    expect(error.message).toMatch(/too-long\.yaml is not valid \(1 problem\)/);
    expect(error.details).toEqual([
      'roles.prod-admin.activation.maxDuration: PT48H is longer than 24 hours; use PT24H or less',
    ]);

    const typo = join(root, 'typo.yaml');
    await writeFile(typo, good.replaceAll('approvers: [bob, carol]', 'approvers: [bobb, carol]'));
    const typos = await fails(['config', 'validate', typo], 2);
    expect(typos.message).toMatch(
      new RegExp(`typo\\.yaml is not valid \\(${typos.details.length} problems\\)`),
    );
    const didYouMean = typos.details.filter((line) =>
      /approvers\[0\]: unknown approver "bobb"; did you mean "bob"/.test(line),
    );
    expect(didYouMean).toHaveLength(2);

    const run = await jit(['--json', 'config', 'validate', typo]);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, errors: typos.details });
  });

  it('refuses a missing file with exit 2 naming it', async () => {
    const error = await fails(['config', 'validate', join(root, 'missing.yaml')], 2);
    expect(`${error.message}\n${error.details.join('\n')}`).toMatch(/missing\.yaml/);
  });
});

describe('audit against the store', () => {
  it('verifies the chain and exports it as CSV and JSON Lines', async () => {
    await json<Outcome>(['request', 'prod-admin', '-j', 'audit me'], 'alice');
    const head = await t.store.auditHead();
    expect(head.seq).toBeGreaterThan(0);

    const verified = await ok(['audit', 'verify', '--config', t.configPath]);
    expect(verified).toMatch(`audit chain intact: ${head.seq} entries`);
    expect(await json(['audit', 'verify', '-c', t.configPath])).toMatchObject({
      ok: true,
      entries: head.seq,
    });

    const csv = await ok(['audit', 'export', '--format', 'csv', '--config', t.configPath]);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[0]).toBe('seq,at,actor,action,grant_id,severity,reason,data,prev_hash,hash');
    expect(rows).toHaveLength(head.seq + 1);

    const file = join(root, 'audit.jsonl');
    await ok(['audit', 'export', '-c', t.configPath, '-o', file]);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(head.seq);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ seq: 1, action: 'grant.requested' });
  });

  it('exits 1 naming the path when the export file cannot be written', async () => {
    const error = await fails(
      ['audit', 'export', '-c', t.configPath, '-o', join(root, 'no', 'such', 'folder.jsonl')],
      1,
    );
    expect(error.message).toMatch(/cannot write .*folder\.jsonl: its folder does not exist/);
  });

  it('refuses to verify a store that does not exist rather than create an empty one', async () => {
    const elsewhere = join(root, 'elsewhere.yaml');
    const db = join(root, 'nothing-here', 'jit.db');
    const text = (await readFile(t.configPath, 'utf8')).replace(
      /store:\n {2}sqlite: .*\n/,
      `store:\n  sqlite: ${JSON.stringify(db)}\n`,
    );
    await writeFile(elsewhere, text);
    const error = await fails(['audit', 'verify', '-c', elsewhere], 1);
    expect(error.message).toMatch(`there is no store at ${db}`);
    await expect(stat(db)).rejects.toThrow(/ENOENT/);
  });

  it('refuses an unknown export format with a CommanderError', async () => {
    const run = await jit(['audit', 'export', '--format', 'xml', '-c', t.configPath]);
    expect(run.error).toBeInstanceOf(CommanderError);
    expect(run.stderr).toMatch(/jsonl, csv/);
  });

  it('refuses a missing config with exit 2', async () => {
    await fails(['audit', 'verify', '--config', join(root, 'missing.yaml')], 2);
  });
});
