// The Graph token source against the Entra emulator (src/emulators/entra/) over HTTP: the
// same openid-client code that asks Entra, pointed at the emulator's authority. The tokens
// are then used on the emulator's Graph, which checks their signature, audience and expiry.
import { afterEach, describe, expect, it } from 'vitest';
import { startEntraEmulator, type RunningEntraEmulator } from '../../emulators/entra/index.js';
import { SettableClock } from '../../ports/clock.js';
import { GraphClient } from './graph-client.js';
import { GraphTokenError } from './graph-errors.js';
import {
  createGraphTokenSource,
  type GraphCredential,
  type GraphTokenSource,
} from './graph-token-source.js';
import { createTestCertificate } from '../../../test/harness/entra-adapter-harness.js';

const running: RunningEntraEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

async function start(clock: SettableClock): Promise<RunningEntraEmulator> {
  const emulator = await startEntraEmulator({
    clock,
    seed: { users: [{ userPrincipalName: 'alice@example.com', displayName: 'Alice' }] },
  });
  running.push(emulator);
  return emulator;
}

function tokensFor(
  emulator: RunningEntraEmulator,
  clock: SettableClock,
  credential: GraphCredential,
  tenantId = emulator.tenantId,
): GraphTokenSource {
  return createGraphTokenSource({
    authority: emulator.url,
    tenantId,
    clientId: emulator.app.clientId,
    credential,
    allowInsecureRequests: true,
    clock,
  });
}

async function graphCanReadUsers(
  emulator: RunningEntraEmulator,
  clock: SettableClock,
  tokens: GraphTokenSource,
): Promise<string[]> {
  const graph = new GraphClient({
    tokens,
    baseUrl: emulator.graphUrl,
    allowInsecureRequests: true,
    clock,
  });
  const users = await graph.listAll<{ userPrincipalName: string }>('/users');
  return users.map((user) => user.userPrincipalName);
}

async function tokenError(promise: Promise<unknown>): Promise<GraphTokenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GraphTokenError) return error;
    throw error;
  }
  throw new Error('expected a GraphTokenError');
}

describe('createGraphTokenSource against the Entra emulator', () => {
  const clock = new SettableClock({ fixed: Date.parse('2025-03-01T10:00:00Z') });

  it('gets an app token with the client secret that Graph accepts', async () => {
    const emulator = await start(clock);
    const tokens = tokensFor(emulator, clock, {
      kind: 'secret',
      secret: emulator.app.clientSecret,
    });

    expect(await graphCanReadUsers(emulator, clock, tokens)).toEqual(['alice@example.com']);
    expect(emulator.calls()['POST /token']).toBe(1);
  });

  it.each(['RS256', 'PS256'] as const)(
    'gets an app token with a certificate assertion signed %s',
    async (algorithm) => {
      const emulator = await start(clock);
      const certificate = createTestCertificate();
      emulator.addClientCertificate(certificate.certificatePem);
      const tokens = tokensFor(emulator, clock, {
        kind: 'certificate',
        privateKeyPem: certificate.privateKeyPem,
        certificatePem: certificate.certificatePem,
        algorithm,
      });

      expect(await graphCanReadUsers(emulator, clock, tokens)).toEqual(['alice@example.com']);
    },
  );

  it('reuses its token until near expiry on the shared clock, then gets a new one', async () => {
    const emulator = await start(clock);
    const tokens = tokensFor(emulator, clock, {
      kind: 'secret',
      secret: emulator.app.clientSecret,
    });

    const first = await tokens.getToken();
    clock.advance(50 * 60_000);
    expect(await tokens.getToken()).toBe(first);
    clock.advance(6 * 60_000); // the emulator's tokens live 3599 s
    const second = await tokens.getToken();

    expect(second).not.toBe(first);
    expect(await graphCanReadUsers(emulator, clock, tokens)).toHaveLength(1);
  });

  it('reports a wrong secret with AADSTS7000215, without the secret', async () => {
    const emulator = await start(clock);
    const wrong = 'not-the-secret-but-still-secret';
    const error = await tokenError(
      tokensFor(emulator, clock, { kind: 'secret', secret: wrong }).getToken(),
    );

    expect(error.oauthError).toBe('invalid_client');
    expect(error.aadsts).toBe('AADSTS7000215');
    expect(error.message).toContain(emulator.tenantId);
    expect(error.message).toContain(emulator.app.clientId);
    expect(error.message).not.toContain(wrong);
  });

  it('reports a certificate the app does not have with AADSTS700027', async () => {
    const emulator = await start(clock);
    const error = await tokenError(
      tokensFor(emulator, clock, { kind: 'certificate', ...createTestCertificate() }).getToken(),
    );

    expect(error.aadsts).toBe('AADSTS700027');
  });

  it('reports an unknown tenant with AADSTS90002', async () => {
    const emulator = await start(clock);
    const error = await tokenError(
      tokensFor(
        emulator,
        clock,
        { kind: 'secret', secret: emulator.app.clientSecret },
        '00000000-0000-0000-0000-000000000000',
      ).getToken(),
    );

    expect(error.aadsts).toBe('AADSTS90002');
  });
});
