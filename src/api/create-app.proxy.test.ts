// Behind a load balancer (server.trustProxy): the client address that keys the rate limit
// and the logs comes from X-Forwarded-For only when the peer is trusted; HSTS is on every
// response, so browsers that reached the server over https stay on https.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import type { AppDeps } from './app-deps.js';

let t: TestApp | undefined;

afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Statuses of GET /v1/me from the balancer at 10.0.0.5, for each forwarded client. */
async function statuses(
  trustProxy: AppDeps['trustProxy'],
  clients: readonly string[],
): Promise<number[]> {
  await t?.close();
  t = await createTestApp({
    deps: (base) => ({
      ...base,
      rateLimit: { max: 2 },
      ...(trustProxy === undefined ? {} : { trustProxy }),
    }),
  });
  const app = t.app;
  const out: number[] = [];
  for (const client of clients) {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/me',
      remoteAddress: '10.0.0.5',
      headers: { 'x-forwarded-for': client },
    });
    out.push(response.statusCode);
  }
  return out;
}

const THREE_PEOPLE = ['203.0.113.1', '203.0.113.2', '203.0.113.3'];

describe('server.trustProxy', () => {
  it('ignores X-Forwarded-For by default: everyone behind the balancer shares one allowance', async () => {
    expect(await statuses(undefined, THREE_PEOPLE)).toEqual([401, 401, 429]);
  });

  it('with one trusted hop, keys the limit on each forwarded client', async () => {
    expect(await statuses(1, THREE_PEOPLE)).toEqual([401, 401, 401]);
    expect(await statuses(1, ['203.0.113.9', '203.0.113.9', '203.0.113.9'])).toEqual([
      401, 401, 429,
    ]);
  });

  it('trusts a listed subnet and nobody else', async () => {
    expect(await statuses(['10.0.0.0/8'], THREE_PEOPLE)).toEqual([401, 401, 401]);
    expect(await statuses(['192.168.0.0/16'], THREE_PEOPLE)).toEqual([401, 401, 429]);
  });

  it('sends HSTS on every response', async () => {
    t = await createTestApp();
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });
});
