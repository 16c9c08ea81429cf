// Test helpers for the Entra emulator: start one on a settable clock, get app and user
// tokens over HTTP the way real clients do, call Graph, and make a self-signed certificate
// for private_key_jwt (a small DER writer, so tests need no openssl).

import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { SettableClock } from '../../src/ports/clock.js';
import type { EntraEmulatorOptions } from '../../src/emulators/entra/entra-emulator-options.js';
import {
  startEntraEmulator,
  type RunningEntraEmulator,
} from '../../src/emulators/entra/start-entra-emulator.js';

export interface TestEmulator {
  readonly emu: RunningEntraEmulator;
  readonly clock: SettableClock;
}

/** An emulator on a clock that flows from real time and that tests can move. */
export async function startTestEmulator(
  options: Partial<EntraEmulatorOptions> = {},
): Promise<TestEmulator> {
  const clock =
    options.clock instanceof SettableClock ? options.clock : new SettableClock({ base: Date.now });
  const emu = await startEntraEmulator({ ...options, clock });
  return { emu, clock };
}

export const graphDefault = 'https://graph.microsoft.com/.default';

export async function tokenRequest(
  emu: RunningEntraEmulator,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(emu.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    json: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

/** An application token (client credentials with the sandbox secret). */
export async function appToken(emu: RunningEntraEmulator): Promise<string> {
  const { status, json } = await tokenRequest(emu, {
    grant_type: 'client_credentials',
    client_id: emu.app.clientId,
    client_secret: emu.app.clientSecret,
    scope: graphDefault,
  });
  if (status !== 200 || typeof json.access_token !== 'string')
    throw new Error(`token request failed: ${JSON.stringify(json)}`);
  return json.access_token;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface SignInForm {
  readonly action: string;
  readonly fields: Map<string, string>;
}

/** Parses the sign-in page into its forms, keyed by the UPN each signs in. */
export function parseSignInForms(html: string): Map<string, SignInForm> {
  const forms = new Map<string, SignInForm>();
  const unescape = (s: string): string =>
    s
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&');
  for (const match of html.matchAll(
    /<form method="post" action="([^"]*)" data-upn="([^"]*)">([\s\S]*?)<\/form>/g,
  )) {
    const fields = new Map<string, string>();
    for (const input of (match[3] ?? '').matchAll(
      /<input type="hidden" name="([^"]*)" value="([^"]*)">/g,
    ))
      fields.set(unescape(input[1] ?? ''), unescape(input[2] ?? ''));
    forms.set(unescape(match[2] ?? ''), { action: unescape(match[1] ?? ''), fields });
  }
  return forms;
}

export interface SignInResult {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly code: string;
  readonly redirectUri: string;
  readonly verifier: string;
}

/** Drives authorize → sign-in form → code → token with fetch, as a browser and client would. */
export async function signIn(
  emu: RunningEntraEmulator,
  upn: string,
  options: {
    scope?: string;
    mfa?: '0' | '1';
    nonce?: string;
    clientSecret?: string | null;
    redirectUri?: string;
  } = {},
): Promise<SignInResult> {
  const { verifier, challenge } = pkcePair();
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:8400/auth/callback';
  const authorize = new URL(`${emu.issuer.replace(/\/v2\.0$/, '')}/oauth2/v2.0/authorize`);
  const params: Record<string, string> = {
    client_id: emu.app.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope:
      options.scope ??
      'openid profile email offline_access https://graph.microsoft.com/PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
    state: 'state-123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  if (options.nonce !== undefined) params.nonce = options.nonce;
  for (const [k, v] of Object.entries(params)) authorize.searchParams.set(k, v);
  const page = await fetch(authorize);
  const html = await page.text();
  const form = parseSignInForms(html).get(upn);
  if (form === undefined)
    throw new Error(`no sign-in form for ${upn}: ${page.status} ${html.slice(0, 300)}`);
  const fields = new URLSearchParams([...form.fields]);
  if (options.mfa !== undefined) fields.set('mfa', options.mfa);
  const posted = await fetch(new URL(form.action, emu.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
  const location = posted.headers.get('location');
  if (posted.status !== 302 || location === null)
    throw new Error(`sign-in did not redirect: ${posted.status}`);
  const code = new URL(location).searchParams.get('code') ?? '';
  const form2: Record<string, string> = {
    grant_type: 'authorization_code',
    client_id: emu.app.clientId,
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  };
  const secret = options.clientSecret === undefined ? emu.app.clientSecret : options.clientSecret;
  if (secret !== null) form2.client_secret = secret;
  const { status, json } = await tokenRequest(emu, form2);
  return { status, json, code, redirectUri, verifier };
}

/** A delegated Graph token for the user. */
export async function userToken(
  emu: RunningEntraEmulator,
  upn: string,
  options: { scope?: string; mfa?: '0' | '1' } = {},
): Promise<string> {
  const result = await signIn(emu, upn, options);
  if (result.status !== 200 || typeof result.json.access_token !== 'string')
    throw new Error(`sign-in failed: ${JSON.stringify(result.json)}`);
  return result.json.access_token;
}

export interface GraphResult {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly headers: Headers;
}

export async function graph(
  emu: RunningEntraEmulator,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<GraphResult> {
  const url = path.startsWith('http') ? path : `${emu.graphUrl}${path}`;
  const response = await fetch(url, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: response.headers,
  };
}

// ---- a self-signed certificate, DER by hand ----------------------------------------------

function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else if (length < 0x100) header = Buffer.from([tag, 0x81, length]);
  else header = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}

const seq = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));

function oid(text: string): Buffer {
  const parts = text.split('.').map(Number);
  const bytes = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    let rest = part >> 7;
    while (rest > 0) {
      chunk.unshift((rest & 0x7f) | 0x80);
      rest >>= 7;
    }
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return der(0x17, Buffer.from(text, 'ascii'));
}

function name(cn: string): Buffer {
  return seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from(cn, 'utf8')))));
}

export interface TestCertificate {
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
  /** base64url SHA-256 of the DER certificate. */
  readonly x5tS256: string;
}

/** A fresh RSA key and a self-signed certificate for it, valid for `days` from `now`. */
export function selfSignedCertificate(
  cn = 'jit-sandbox-test',
  now = new Date(),
  days = 365,
): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const algorithm = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const serial = randomBytes(8);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    algorithm,
    name(cn),
    seq(
      utcTime(new Date(now.getTime() - 60_000)),
      utcTime(new Date(now.getTime() + days * 86_400_000)),
    ),
    name(cn),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = seq(tbs, algorithm, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = certificate
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return {
    certificatePem: `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`,
    privateKey,
    x5tS256: createHash('sha256').update(certificate).digest('base64url'),
  };
}

/** A small directory most tests use. */
export const testSeed = {
  users: [
    { userPrincipalName: 'alice@contoso.test', displayName: 'Alice Admin', mfa: true },
    { userPrincipalName: 'bob@contoso.test', displayName: 'Bob Builder' },
    { userPrincipalName: 'carol@contoso.test', displayName: 'Carol Approver', mfa: true },
  ],
  groups: [{ displayName: 'engineers', members: ['alice@contoso.test', 'bob@contoso.test'] }],
} as const;

/** Decodes a JWT's payload without verifying it (tests only). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
