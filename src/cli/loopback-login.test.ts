// The loopback listener on its own, with a test playing the browser over real HTTP.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OPEN_URL_PROMPT, runLoopbackFlow } from './loopback-login.js';

interface Seen {
  redirectUri: string;
  challenge: string;
  state: string;
}

/** Runs a flow whose "browser" calls `arrive` with what the authorization URL carried. */
async function flow(arrive: (seen: Seen) => Promise<void>, timeoutMs?: number) {
  const lines: string[] = [];
  let built: (seen: Seen) => void = () => undefined;
  const urlBuilt = new Promise<Seen>((resolve) => {
    built = resolve;
  });
  const result = runLoopbackFlow({
    authorizationUrl: (params) => {
      built(params);
      return `https://idp.example/authorize?state=${params.state}`;
    },
    print: (line) => lines.push(line),
    noBrowser: true,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  // Handled below; until then, a failure must not count as unhandled.
  result.catch(() => undefined);
  const seen = await urlBuilt;
  await arrive(seen);
  return { result: await result, lines, seen };
}

describe('runLoopbackFlow', () => {
  it('prints the URL, takes the code that comes back with its state, and gives the verifier', async () => {
    let page = '';
    const { result, lines, seen } = await flow(async (s) => {
      const response = await fetch(`${s.redirectUri}?code=abc123&state=${s.state}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      page = await response.text();
    });
    expect(seen.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(lines).toContain(OPEN_URL_PROMPT);
    expect(lines).toContain(`https://idp.example/authorize?state=${seen.state}`);
    expect(page).toMatch(/Signed in/);
    expect(result.code).toBe('abc123');
    expect(result.redirectUri).toBe(seen.redirectUri);
    expect(createHash('sha256').update(result.verifier).digest('base64url')).toBe(seen.challenge);
  });

  it('ignores an answer with another state and keeps waiting for the right one', async () => {
    const { result } = await flow(async (s) => {
      const stranger = await fetch(`${s.redirectUri}?code=evil&state=not-the-state`);
      expect(stranger.status).toBe(400);
      const lost = await fetch(s.redirectUri.replace('/callback', '/other'));
      expect(lost.status).toBe(404);
      await fetch(`${s.redirectUri}?code=good&state=${s.state}`);
    });
    expect(result.code).toBe('good');
  });

  it('fails with the provider\u2019s reason when the browser comes back with an error', async () => {
    await expect(
      flow(async (s) => {
        await fetch(
          `${s.redirectUri}?error=access_denied&error_description=${encodeURIComponent('no MFA')}&state=${s.state}`,
        );
      }),
    ).rejects.toThrow('sign-in failed: access_denied: no MFA');
  });

  it('gives up when no browser comes back in time', async () => {
    await expect(flow(() => Promise.resolve(), 50)).rejects.toThrow(
      /no browser came back within 0 minutes/,
    );
  });
});
