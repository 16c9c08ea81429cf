// The Graph token source against a fake identity platform on 127.0.0.1: real fetch, real
// openid-client discovery and client-credentials grant.
import { afterEach, describe, expect, it } from 'vitest';
import { JitError } from '../../core/errors.js';
import { SettableClock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { GraphTokenError } from './graph-errors.js';
import { createGraphTokenSource, type GraphTokenSourceOptions } from './graph-token-source.js';
import {
  createTestCertificate,
  startFakeEntra,
  type FakeEntra,
} from '../../../test/harness/entra-adapter-harness.js';

const running: FakeEntra[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

async function start(options: Parameters<typeof startFakeEntra>[0] = {}): Promise<FakeEntra> {
  const fake = await startFakeEntra(options);
  running.push(fake);
  return fake;
}

function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (fields: Readonly<Record<string, unknown>>, message: string): void => {
    lines.push(`${message} ${JSON.stringify(fields)}`);
  };
  return { lines, logger: { debug: record, info: record, warn: record, error: record } };
}

function secretOptions(
  fake: FakeEntra,
  clock: SettableClock,
  overrides: Partial<GraphTokenSourceOptions> = {},
): GraphTokenSourceOptions {
  return {
    authority: fake.url,
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    credential: { kind: 'secret', secret: fake.secret },
    allowInsecureRequests: true,
    clock,
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-error: ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection');
}

describe('createGraphTokenSource', () => {
  it('gets a token with a client secret through discovery and the client-credentials grant', async () => {
    const fake = await start();
    const tokens = createGraphTokenSource(secretOptions(fake, new SettableClock({ fixed: 0 })));

    const token = await tokens.getToken();

    expect(fake.issued).toEqual([token]);
    const form = fake.tokenRequests[0]?.form;
    expect(form?.get('grant_type')).toBe('client_credentials');
    expect(form?.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(form?.get('client_id')).toBe(fake.clientId);
  });

  it('caches the token until shortly before it expires, on the injected clock', async () => {
    const fake = await start({ tokenLifetimeS: 3600 });
    const clock = new SettableClock({ fixed: 1_000_000 });
    const tokens = createGraphTokenSource(secretOptions(fake, clock));

    const first = await tokens.getToken();
    clock.advance(54 * 60_000);
    expect(await tokens.getToken()).toBe(first);
    clock.advance(2 * 60_000); // 56 minutes: inside the 5-minute margin
    const second = await tokens.getToken();

    expect(second).not.toBe(first);
    expect(fake.issued).toHaveLength(2);
  });

  it('keeps a short-lived token for half its life', async () => {
    const fake = await start({ tokenLifetimeS: 120 });
    const clock = new SettableClock({ fixed: 0 });
    const tokens = createGraphTokenSource(secretOptions(fake, clock));

    const first = await tokens.getToken();
    clock.advance(59_000);
    expect(await tokens.getToken()).toBe(first);
    clock.advance(1_000);
    expect(await tokens.getToken()).not.toBe(first);
  });

  it('shares one token request among concurrent callers', async () => {
    const fake = await start();
    const tokens = createGraphTokenSource(secretOptions(fake, new SettableClock({ fixed: 0 })));

    const got = await Promise.all(Array.from({ length: 10 }, () => tokens.getToken()));

    expect(new Set(got).size).toBe(1);
    expect(fake.tokenRequests).toHaveLength(1);
  });

  it('fetches a new token after the current one is invalidated', async () => {
    const fake = await start();
    const tokens = createGraphTokenSource(secretOptions(fake, new SettableClock({ fixed: 0 })));

    const first = await tokens.getToken();
    tokens.invalidate('some-other-token');
    expect(await tokens.getToken()).toBe(first);
    tokens.invalidate(first);
    expect(await tokens.getToken()).not.toBe(first);
  });

  it('turns invalid_client into an error naming the tenant, client and AADSTS code, never the secret', async () => {
    const fake = await start();
    const wrongSecret = 'wrong-secret-value-that-must-not-leak';
    const { logger, lines } = capturingLogger();
    const tokens = createGraphTokenSource(
      secretOptions(fake, new SettableClock({ fixed: 0 }), {
        credential: { kind: 'secret', secret: wrongSecret },
        logger,
      }),
    );

    const error = await rejection(tokens.getToken());

    if (!(error instanceof GraphTokenError)) throw error;
    const tokenError = error;
    expect(tokenError.code).toBe('ERR_TARGET');
    expect(tokenError.oauthError).toBe('invalid_client');
    expect(tokenError.aadsts).toBe('AADSTS7000215');
    expect(error.message).toContain(fake.tenantId);
    expect(error.message).toContain(fake.clientId);
    expect(error.message).toContain('Invalid client secret provided');
    expect(error.message).toContain('check the client secret');
    const everything = `${error.message} ${JSON.stringify(tokenError.details)} ${lines.join('\n')}`;
    expect(everything).not.toContain(wrongSecret);
  });

  it('names an unknown tenant from the discovery answer, and tries discovery again next time', async () => {
    const fake = await start();
    const tokens = createGraphTokenSource(
      secretOptions(fake, new SettableClock({ fixed: 0 }), { tenantId: 'not-my-tenant' }),
    );

    const first = await rejection(tokens.getToken());
    const second = await rejection(tokens.getToken());

    expect(first.message).toContain('AADSTS90002');
    expect(first.message).toContain('not-my-tenant');
    expect(second.message).toContain('AADSTS90002');
  });

  it('says when the identity platform cannot be reached', async () => {
    const fake = await start();
    await fake.close();
    running.splice(running.indexOf(fake), 1);
    const tokens = createGraphTokenSource(secretOptions(fake, new SettableClock({ fixed: 0 })));

    const error = await rejection(tokens.getToken());

    if (!(error instanceof GraphTokenError)) throw error;
    expect(error.oauthError).toBe('unreachable');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('refuses a plain-HTTP authority unless the sandbox allows it', () => {
    const make = (): unknown =>
      createGraphTokenSource({
        authority: 'http://127.0.0.1:1',
        tenantId: 't',
        clientId: 'c',
        credential: { kind: 'secret', secret: 's' },
        clock: new SettableClock(),
      });
    expect(make).toThrow(JitError);
    expect(make).toThrow(/plain HTTP.*allowInsecureRequests/);
  });

  it.each([
    [{ tenantId: 'common' }, /shared endpoint/],
    [{ tenantId: '' }, /not a tenant id/],
    [{ clientId: ' ' }, /client id is empty/],
    [{ authority: 'not a url' }, /not a URL/],
    [{ credential: { kind: 'secret', secret: '' } }, /client secret is empty/],
    [
      { credential: { kind: 'certificate', privateKeyPem: 'nope', certificatePem: 'nope' } },
      /not a PEM private key/,
    ],
  ] as const)('refuses bad options %j with a clear message', (overrides, message) => {
    expect(() =>
      createGraphTokenSource({
        tenantId: '11111111-2222-3333-4444-555555555555',
        clientId: 'client',
        credential: { kind: 'secret', secret: 'secret' },
        clock: new SettableClock(),
        ...overrides,
      }),
    ).toThrow(message);
  });

  describe('with a certificate', () => {
    const certificate = createTestCertificate();
    // Assertion times come from this clock; the fake checks them against it too.
    const clock = new SettableClock({ fixed: Date.parse('2030-01-01T00:00:00Z') });

    it('signs a private_key_jwt assertion (RS256) whose header carries x5t#S256', async () => {
      const fake = await start({
        certificatePem: certificate.certificatePem,
        now: () => clock.now(),
      });
      const tokens = createGraphTokenSource({
        authority: fake.url,
        tenantId: fake.tenantId,
        clientId: fake.clientId,
        credential: {
          kind: 'certificate',
          privateKeyPem: certificate.privateKeyPem,
          certificatePem: certificate.certificatePem,
        },
        allowInsecureRequests: true,
        clock,
      });

      const token = await tokens.getToken();

      expect(fake.issued).toEqual([token]);
      const request = fake.tokenRequests[0];
      expect(request?.form.get('client_assertion_type')).toBe(
        'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      );
      expect(request?.form.get('client_secret')).toBeNull();
      expect(request?.assertion?.header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
      expect(request?.assertion?.header['x5t#S256']).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(request?.assertion?.payload).toMatchObject({
        aud: `${fake.url}/${fake.tenantId}/oauth2/v2.0/token`,
        iss: fake.clientId,
        sub: fake.clientId,
        iat: clock.now() / 1000,
        nbf: clock.now() / 1000,
        exp: clock.now() / 1000 + 300,
      });
    });

    it('can sign with PS256, as the identity platform documents today', async () => {
      const fake = await start({
        certificatePem: certificate.certificatePem,
        now: () => clock.now(),
      });
      const tokens = createGraphTokenSource({
        authority: fake.url,
        tenantId: fake.tenantId,
        clientId: fake.clientId,
        credential: { kind: 'certificate', ...certificate, algorithm: 'PS256' },
        allowInsecureRequests: true,
        clock,
      });

      await tokens.getToken();

      expect(fake.tokenRequests[0]?.assertion?.header.alg).toBe('PS256');
    });

    it('is refused by a tenant where another certificate is registered', async () => {
      const other = createTestCertificate('another');
      const fake = await start({ certificatePem: other.certificatePem, now: () => clock.now() });
      const tokens = createGraphTokenSource({
        authority: fake.url,
        tenantId: fake.tenantId,
        clientId: fake.clientId,
        credential: { kind: 'certificate', ...certificate },
        allowInsecureRequests: true,
        clock,
      });

      const error = await rejection(tokens.getToken());

      if (!(error instanceof GraphTokenError)) throw error;
      expect(error.oauthError).toBe('invalid_client'); // read from a 401 with a challenge
      expect(error.aadsts).toBe('AADSTS700027');
      expect(error.message).not.toContain('PRIVATE KEY');
    });

    it('refuses a certificate that does not belong to the private key', () => {
      const other = createTestCertificate('another');
      expect(() =>
        createGraphTokenSource({
          tenantId: 'tenant',
          clientId: 'client',
          credential: {
            kind: 'certificate',
            privateKeyPem: certificate.privateKeyPem,
            certificatePem: other.certificatePem,
          },
          clock: new SettableClock(),
        }),
      ).toThrow(/does not belong to the given private key/);
    });
  });
});
