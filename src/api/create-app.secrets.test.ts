// What the API must never let out: tokens outside the sign-in response, tokens in its logs,
// internals in a 500; and how it answers a client over its rate limit.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Store } from '../store/store.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';

/** A pino logger at trace level whose lines collect in `lines`. */
function bufferLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

const INTERNALS = /^\s*at \S|\bat (file|node):|node_modules|\.ts:\d|\.js:\d|\/work\/|\/tmp\//m;

let t: TestApp | undefined;

afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('secrets', () => {
  it('shows a token only in its sign-in response, and never logs it', async () => {
    const { logger, lines } = bufferLogger();
    t = await createTestApp({ deps: (base) => ({ ...base, logger }) });
    const app = t.app;
    const responses: { url: string; response: LightMyRequestResponse }[] = [];
    const send = async (options: InjectOptions): Promise<LightMyRequestResponse> => {
      const response = await app.inject(options);
      responses.push({ url: options.url as string, response });
      return response;
    };
    const login = async (user: string): Promise<string> =>
      (await send({ method: 'POST', url: '/v1/auth/sandbox-login', payload: { user } })).json<{
        token: string;
      }>().token;

    const alice = await login('alice');
    const bob = await login('bob');
    const carol = await login('carol');
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const requested = await send({
      method: 'POST',
      url: '/v1/requests',
      headers: as(alice),
      payload: { role: 'prod-admin', justification: 'INC-9', duration: 'PT1H' },
    });
    const id = requested.json<{ grant: { id: string } }>().grant.id;
    await send({ method: 'GET', url: '/v1/approvals', headers: as(bob) });
    await send({ method: 'POST', url: `/v1/grants/${id}/approve`, headers: as(bob), payload: {} });
    await send({ method: 'GET', url: '/v1/me', headers: as(alice) });
    await send({ method: 'GET', url: '/v1/grants?all=true', headers: as(carol) });
    await send({ method: 'GET', url: `/v1/grants/${id}`, headers: as(alice) });
    await send({ method: 'GET', url: '/v1/audit', headers: as(carol) });
    await send({ method: 'GET', url: '/v1/roles?all=true', headers: as(alice) });
    // Refusals: a tampered token, a token where a body was expected, a bad body.
    await send({ method: 'GET', url: '/v1/me', headers: as(`${alice}x`) });
    await send({ method: 'GET', url: '/v1/me', headers: { authorization: alice } });
    await send({
      method: 'POST',
      url: '/v1/requests',
      headers: as(alice),
      payload: { role: 'prod-admin', token: alice },
    });
    await send({
      method: 'POST',
      url: '/v1/requests',
      headers: { ...as(alice), 'content-type': 'application/json' },
      payload: `{"role": "${alice}`,
    });
    await send({
      method: 'POST',
      url: '/v1/auth/sandbox-login',
      headers: { 'content-type': 'application/json' },
      payload: `{"user": "${alice}"}`,
    });
    await send({ method: 'GET', url: '/healthz', headers: as(alice) });
    await send({ method: 'GET', url: '/openapi.json', headers: as(alice) });

    const tokens = [alice, bob, carol];
    expect(responses.length).toBeGreaterThan(15);
    for (const { url, response } of responses) {
      const text = `${JSON.stringify(response.headers)}\n${response.body}`;
      expect(text, url).not.toMatch(INTERNALS);
      if (url === '/v1/auth/sandbox-login' && response.statusCode === 200) continue;
      for (const token of tokens) expect(text.includes(token), `${url}: ${text}`).toBe(false);
    }
    expect(lines.length).toBeGreaterThan(0);
    const log = lines.join('');
    for (const token of tokens) expect(log.includes(token)).toBe(false);
    // The signature alone is the secret part; it must not be there either.
    for (const token of tokens) expect(log.includes(token.split('.')[2] ?? '')).toBe(false);
  });

  it('answers an unexpected failure with a bare 500 and logs what happened', async () => {
    const { logger, lines } = bufferLogger();
    t = await createTestApp({
      deps: (base) => ({
        ...base,
        logger,
        store: Object.assign(Object.create(base.store) as Store, {
          auditHead: () =>
            Promise.reject(new Error('SQLITE_CORRUPT at /work/main/src/store/kysely-store.ts:42')),
        }),
      }),
    });
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      code: 'ERR_INTERNAL',
      detail: 'internal error; the server log has the details',
    });
    expect(response.body).not.toMatch(INTERNALS);
    expect(response.body).not.toMatch(/SQLITE_CORRUPT/);
    expect(lines.join('')).toMatch(/SQLITE_CORRUPT/);
  });
});

describe('rate limit', () => {
  it('answers the request over the limit with 429 problem+json, per client address', async () => {
    t = await createTestApp({ deps: (base) => ({ ...base, rateLimit: { max: 5 } }) });
    const statuses: number[] = [];
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 6; i += 1) {
      last = await t.app.inject({ method: 'GET', url: '/healthz' });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(last?.headers['retry-after']).toBeDefined();
    expect(last?.json()).toMatchObject({
      status: 429,
      code: 'ERR_RATE_LIMITED',
      type: 'urn:jit-access:problem:rate-limited',
    });
    expect(last?.body).not.toMatch(INTERNALS);

    // Another client (another address) has its own allowance; a token does not make one.
    const signedIn = await t.tokens.login('bob');
    if (!signedIn.ok) throw new Error('bob cannot sign in');
    const sameAddress = await t.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${signedIn.value.token}` },
    });
    expect(sameAddress.statusCode).toBe(429);
    const other = await t.app.inject({
      method: 'GET',
      url: '/v1/me',
      remoteAddress: '10.0.0.2',
      headers: { authorization: `Bearer ${signedIn.value.token}` },
    });
    expect(other.statusCode).toBe(200);
  });
});
