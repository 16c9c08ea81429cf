// Findings of the security review's low list that the HTTP API answers: each reproduced
// against the app before its fix.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';

interface ProblemJson {
  readonly code: string;
  readonly detail: string;
}

let t: TestApp | undefined;

afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('the API under the review’s low findings', () => {
  it('answers a lone UTF-16 surrogate in any text field with 400, not 500, and writes nothing', async () => {
    t = await createTestApp();
    const alice = await t.login('alice');
    const head = await t.store.auditHead();
    for (const payload of [
      '{"role":"prod-admin","justification":"\\ud800"}',
      '{"role":"prod-admin","justification":"ok","ticket":"x\\udfff"}',
      '{"role":"prod-admin","justification":"ok","accounts":["\\ud83d"]}',
    ]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/requests',
        headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode, payload).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json<ProblemJson>()).toMatchObject({ code: 'ERR_INVALID_INPUT' });
      expect(response.json<ProblemJson>().detail).toMatch(
        /^body\.\w+(\[0\])? holds a lone UTF-16 surrogate/,
      );
    }
    expect(await t.store.auditHead()).toEqual(head);
    // A surrogate pair (an emoji) is well-formed text and goes through.
    const emoji = await t.app.inject({
      method: 'POST',
      url: '/v1/requests',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      payload: '{"role":"prod-admin","justification":"fix \\ud83d\\ude80"}',
    });
    expect(emoji.statusCode).toBe(201);
  });

  it('answers a URL it cannot decode with problem+json, not Fastify’s own JSON', async () => {
    t = await createTestApp();
    for (const url of ['/%', '/v1/grants/%E0%A4%A']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json<ProblemJson>()).toMatchObject({ code: 'ERR_INVALID_INPUT' });
      expect(response.json<ProblemJson>().detail).toMatch(/not valid percent-encoded UTF-8/);
    }
  });

  it('keys the rate limit on the client, so made-up tokens do not buy fresh allowances', async () => {
    t = await createTestApp({ deps: (base) => ({ ...base, rateLimit: { max: 3 } }) });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: `Bearer made-up-${String(i)}` },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});
