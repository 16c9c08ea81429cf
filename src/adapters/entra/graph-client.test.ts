// The Graph client against a fake Graph on 127.0.0.1 (real fetch, real tokens from the fake
// identity platform through openid-client); waits are recorded, never slept.
import { afterEach, describe, expect, it } from 'vitest';
import type { GraphWriter } from '../../plan/apply-entra-pim.js';
import { SettableClock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import {
  GraphClient,
  odataString,
  parseRetryAfter,
  type GraphClientOptions,
} from './graph-client.js';
import { GraphError } from './graph-errors.js';
import { createGraphTokenSource } from './graph-token-source.js';
import {
  startFakeEntra,
  type FakeEntra,
  type FakeUser,
} from '../../../test/harness/entra-adapter-harness.js';

const running: FakeEntra[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

interface Setup {
  fake: FakeEntra;
  client: GraphClient;
  clock: SettableClock;
  sleeps: number[];
  lines: string[];
}

async function setup(overrides: Partial<GraphClientOptions> = {}): Promise<Setup> {
  const fake = await startFakeEntra();
  running.push(fake);
  const clock = new SettableClock({ fixed: Date.parse('2025-03-01T12:00:00Z') });
  const lines: string[] = [];
  const record = (fields: Readonly<Record<string, unknown>>, message: string): void => {
    lines.push(`${message} ${JSON.stringify(fields)}`);
  };
  const logger: Logger = { debug: record, info: record, warn: record, error: record };
  const sleeps: number[] = [];
  const tokens = createGraphTokenSource({
    authority: fake.url,
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    credential: { kind: 'secret', secret: fake.secret },
    allowInsecureRequests: true,
    clock,
    logger,
  });
  const client = new GraphClient({
    tokens,
    baseUrl: fake.graphUrl,
    allowInsecureRequests: true,
    clock,
    logger,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 1,
    ...overrides,
  });
  return { fake, client, clock, sleeps, lines };
}

function addUsers(fake: FakeEntra, count: number): FakeUser[] {
  const users: FakeUser[] = [];
  for (let i = 1; i <= count; i += 1) {
    const user = {
      id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      userPrincipalName: `user${i}@example.com`,
      displayName: `User ${i}`,
    };
    fake.users.set(user.id, user);
    users.push(user);
  }
  return users;
}

async function graphError(promise: Promise<unknown>): Promise<GraphError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GraphError) return error;
    throw error;
  }
  throw new Error('expected a GraphError');
}

describe('GraphClient', () => {
  it('lists every item of a collection across pages by following @odata.nextLink', async () => {
    const { fake, client } = await setup();
    const users = addUsers(fake, 5);

    const listed = await client.listAll<FakeUser>('/users');

    expect(listed.map((u) => u.id)).toEqual(users.map((u) => u.id));
    expect(fake.graphRequests.map((r) => r.query.get('$skiptoken'))).toEqual([null, '2', '4']);
  });

  it('sends OData query options with their $ and an encoded value', async () => {
    const { fake, client } = await setup();
    addUsers(fake, 2);

    const found = await client.listAll<FakeUser>('/users', {
      query: { $filter: `userPrincipalName eq ${odataString('user2@example.com')}`, $top: 10 },
    });

    expect(found.map((u) => u.userPrincipalName)).toEqual(['user2@example.com']);
    expect(fake.graphRequests[0]?.query.get('$filter')).toBe(
      "userPrincipalName eq 'user2@example.com'",
    );
    expect(fake.graphRequests[0]?.query.get('$top')).toBe('10');
  });

  it('quotes OData strings', () => {
    expect(odataString("O'Brien")).toBe("'O''Brien'");
  });

  it('refuses to follow a nextLink to another origin', async () => {
    const { fake, client } = await setup();
    fake.script(
      { path: '/v1.0/users' },
      {
        status: 200,
        body: {
          value: [{ id: 'a' }],
          '@odata.nextLink': 'https://evil.example/v1.0/users?$skiptoken=1',
        },
      },
    );

    const error = await graphError(client.listAll('/users'));

    expect(error.graphCode).toBe('InvalidNextLink');
    expect(error.message).toContain('https://evil.example');
    expect(fake.graphRequests).toHaveLength(1);
  });

  it('waits the seconds of Retry-After after a 429, then succeeds', async () => {
    const { fake, client, sleeps } = await setup();
    addUsers(fake, 1);
    fake.script({ path: '/v1.0/users' }, { status: 429, headers: { 'retry-after': '7' } });

    const listed = await client.listAll('/users');

    expect(listed).toHaveLength(1);
    expect(sleeps).toEqual([7000]);
  });

  it('waits until the HTTP date of Retry-After, read on the injected clock', async () => {
    const { fake, client, sleeps, clock } = await setup();
    addUsers(fake, 1);
    const at = new Date(clock.now() + 12_000).toUTCString();
    fake.script({ path: '/v1.0/users' }, { status: 503, headers: { 'retry-after': at } });

    await client.listAll('/users');

    expect(sleeps).toEqual([12_000]);
  });

  it('backs off exponentially, capped, on 503 without Retry-After, and gives up after maxAttempts', async () => {
    const { fake, client, sleeps } = await setup({
      maxAttempts: 4,
      baseDelayMs: 1000,
      maxDelayMs: 3000,
    });
    fake.script(
      { path: '/v1.0/users' },
      { status: 503 },
      { status: 503 },
      { status: 503 },
      { status: 503 },
    );

    const error = await graphError(client.get('/users'));

    expect(sleeps).toEqual([1000, 2000, 3000]);
    expect(error.status).toBe(503);
    expect(error.message).toContain('after 4 attempts');
    expect(fake.graphRequests).toHaveLength(4);
  });

  it('jitters the backoff between half and all of the delay', async () => {
    const { fake, client, sleeps } = await setup({ random: () => 0, baseDelayMs: 1000 });
    addUsers(fake, 1);
    fake.script({ path: '/v1.0/users' }, { status: 503 }, { status: 504 });

    await client.get('/users');

    expect(sleeps).toEqual([500, 1000]);
  });

  it('gives up at once when Retry-After is longer than it will wait, and says how long', async () => {
    const { fake, client, sleeps } = await setup({ maxRetryAfterMs: 60_000 });
    fake.script({ path: '/v1.0/users' }, { status: 429, headers: { 'retry-after': '300' } });

    const error = await graphError(client.get('/users'));

    expect(sleeps).toEqual([]);
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(300_000);
  });

  it('retries a POST on 429 but not on 504, which it may have applied', async () => {
    const { fake, client, sleeps } = await setup();
    fake.script(
      { method: 'POST', path: '/v1.0/echo' },
      { status: 429, headers: { 'retry-after': '1' } },
    );
    expect(await client.post('/echo', { a: 1 })).toEqual({ received: true });
    expect(sleeps).toEqual([1000]);

    fake.script({ method: 'POST', path: '/v1.0/echo' }, { status: 504 });
    const error = await graphError(client.post('/echo', { a: 1 }));
    expect(error.status).toBe(504);
    expect(sleeps).toEqual([1000]);
  });

  it('retries a GET whose connection dropped, but not a POST', async () => {
    const { fake, client, sleeps } = await setup();
    addUsers(fake, 1);
    fake.script({ path: '/v1.0/users' }, { destroy: true });
    expect(await client.listAll('/users')).toHaveLength(1);
    expect(sleeps).toHaveLength(1);

    fake.script({ method: 'POST', path: '/v1.0/echo' }, { destroy: true });
    const error = await graphError(client.post('/echo', {}));
    expect(error.status).toBe(0);
    expect(error.graphCode).toBe('NetworkError');
  });

  it('gets a fresh token once when Graph answers 401 InvalidAuthenticationToken', async () => {
    const { fake, client } = await setup();
    addUsers(fake, 1);
    await client.listAll('/users');
    fake.revokeTokens();

    expect(await client.listAll('/users')).toHaveLength(1);
    expect(fake.issued).toHaveLength(2);
  });

  it('does not loop when the fresh token is refused too', async () => {
    const { fake, client } = await setup();
    fake.script(
      { path: '/v1.0/users' },
      {
        status: 401,
        body: {
          error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired.' },
        },
      },
      {
        status: 401,
        body: {
          error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired.' },
        },
      },
    );

    const error = await graphError(client.get('/users'));

    expect(error.status).toBe(401);
    expect(fake.issued).toHaveLength(2);
    expect(fake.graphRequests).toHaveLength(2);
  });

  it('parses OData error bodies into GraphError with status, code, message and request id', async () => {
    const { client } = await setup();

    const error = await graphError(client.get('/users/nobody@example.com'));

    expect(error.status).toBe(404);
    expect(error.graphCode).toBe('Request_ResourceNotFound');
    expect(error.graphMessage).toContain("'nobody@example.com' does not exist");
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.code).toBe('ERR_TARGET');
    expect(error.message).toBe(
      `Microsoft Graph GET /v1.0/users/nobody@example.com failed: HTTP 404 Request_ResourceNotFound: ${error.graphMessage} (request-id ${error.requestId ?? ''})`,
    );
  });

  it('explains an error body that is not OData JSON', async () => {
    const { fake, client } = await setup();
    fake.script({ path: '/v1.0/users' }, { status: 400, body: 'upstream said no' });

    const error = await graphError(client.get('/users'));

    expect(error.graphCode).toBe('HTTP400');
    expect(error.graphMessage).toContain('upstream said no');
  });

  it('sends JSON bodies and reads 204 as no body', async () => {
    const { fake, client } = await setup();

    expect(await client.post('/echo', { name: 'x' })).toEqual({ received: true });
    expect(await client.patch('/echo/1', { name: 'y' })).toBeUndefined();
    await client.delete('/things/1');

    const [post, patch, del] = fake.graphRequests;
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.body).toBe('{"name":"x"}');
    expect(patch?.method).toBe('PATCH');
    expect(del?.method).toBe('DELETE');
  });

  it('sends a new client-request-id on every attempt', async () => {
    const { fake, client } = await setup();
    fake.script({ path: '/v1.0/users' }, { status: 503 });
    await client.get('/users');

    const ids = fake.graphRequests.map((r) => r.headers['client-request-id']);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs method, path, status, request-id and duration, never the token or the secret', async () => {
    const { fake, client, lines } = await setup();
    addUsers(fake, 3);
    fake.script({ path: '/v1.0/users' }, { status: 429, headers: { 'retry-after': '1' } });
    await client.listAll('/users');
    fake.revokeTokens();
    await client.listAll('/users');

    const graphLines = lines.filter((line) => line.startsWith('graph request '));
    expect(graphLines.length).toBeGreaterThanOrEqual(5);
    const first = JSON.parse(graphLines[0]?.slice('graph request '.length) ?? '{}') as Record<
      string,
      unknown
    >;
    expect(first).toMatchObject({ method: 'GET', path: '/v1.0/users', status: 429, attempt: 1 });
    expect(first.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof first.durationMs).toBe('number');
    const everything = lines.join('\n');
    expect(fake.issued.length).toBeGreaterThan(1);
    for (const token of fake.issued) expect(everything).not.toContain(token);
    expect(everything).not.toContain(fake.secret);
    expect(everything.toLowerCase()).not.toContain('bearer');
  });

  it('is the GraphWriter that applyEntraPim writes PIM policy through', async () => {
    const { fake, client } = await setup();
    addUsers(fake, 3);
    const writer: GraphWriter = client;
    expect(await writer.listAll('/users')).toHaveLength(3);
  });

  it('refuses a plain-HTTP base URL unless the sandbox allows it', async () => {
    const { client } = await setup();
    expect(
      () =>
        new GraphClient({
          tokens: { getToken: () => Promise.resolve('t') },
          baseUrl: 'http://127.0.0.1:1/v1.0',
          clock: new SettableClock(),
        }),
    ).toThrow(/plain HTTP/);
    expect(client.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
  });
});

describe('parseRetryAfter', () => {
  const clock = new SettableClock({ fixed: Date.parse('2025-03-01T12:00:00Z') });
  it.each([
    [null, undefined],
    ['0', 0],
    ['30', 30_000],
    ['Sat, 01 Mar 2025 12:00:05 GMT', 5000],
    ['Sat, 01 Mar 2025 11:59:00 GMT', 0],
    ['soon', undefined],
  ])('reads %j as %j ms', (header, expected) => {
    expect(parseRetryAfter(header, clock)).toBe(expected);
  });
});
