// `jit pim activate <role>`: activates an entra-pim role in Entra PIM with the person's own
// delegated Graph token (PIM refuses `selfActivate` with an application token), obtained by a
// loopback sign-in with PKCE as a public client, straight from the identity provider. JIT
// Access then sees the activation at its next poll and grants access; with --wait, this
// command waits for that grant. The same code runs against Entra and the sandbox emulator.
import * as oidc from 'openid-client';
import type { ApiClient } from './api-client.js';
import { CliError } from './cli-error.js';
import { isHeadless, runLoopbackFlow } from './loopback-login.js';
import { colour, type Output } from './output.js';

interface PimConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly graphUrl: string;
  readonly allowInsecureRequests: boolean;
  readonly scopes: readonly string[];
  readonly roles: readonly { role: string; group: string; groupId: string }[];
  /** The server's clock: token times are checked against it (the sandbox's may be moved). */
  readonly now?: string;
}

interface GrantList {
  readonly grants: readonly {
    id: string;
    role: string;
    principal: string;
    status: string;
    endsAt?: string;
    source?: unknown;
  }[];
}

export interface PimActivateOptions {
  readonly duration: string;
  readonly justification?: string;
  readonly ticket?: string;
  readonly ticketSystem?: string;
  readonly browser: boolean;
  readonly wait: boolean;
  readonly waitSeconds: number;
}

interface GraphErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string };
}

interface ScheduleRequest {
  readonly id?: string;
  readonly status?: string;
}

/** What the PIM commands take from the CLI's composition root. */
export interface PimCommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export async function runPimActivate(
  api: ApiClient,
  role: string,
  opts: PimActivateOptions,
  out: Output,
  ctx: PimCommandContext,
): Promise<void> {
  const { config, target } = await pimRole(api, role);
  const me = await api.get<{ id: string }>('/v1/me');
  const before = new Set((await activeMirrored(api, role, me.id)).map((g) => g.id));
  const token = await signIn(config, opts, out, ctx);
  const principalId = token.oid;
  const body = {
    accessId: 'member',
    principalId,
    groupId: target.groupId,
    action: 'selfActivate',
    scheduleInfo: {
      startDateTime: new Date(ctx.now()).toISOString(),
      expiration: { type: 'afterDuration', duration: opts.duration },
    },
    ...(opts.justification === undefined ? {} : { justification: opts.justification }),
    ...(opts.ticket === undefined
      ? {}
      : { ticketInfo: { ticketNumber: opts.ticket, ticketSystem: opts.ticketSystem ?? 'jit' } }),
  };
  const request = await postScheduleRequest(config, token.accessToken, role, body);
  const status = request.status ?? 'unknown';
  if (out.json && !opts.wait) {
    out.data({ role, group: target.group, request: request.id, status });
    return;
  }
  if (status === 'PendingApproval') {
    out.line(
      `${colour.yellow('pending approval')} in Entra PIM (request ${request.id ?? '?'}): an approver of ${target.group} must approve it in PIM; JIT Access grants access at its next poll after that`,
    );
    if (!opts.wait) return;
  } else {
    out.line(
      `activated ${colour.bold(role)} in Entra PIM for ${opts.duration} (request ${request.id ?? '?'}, ${status}); JIT Access grants access at its next poll`,
    );
  }
  if (!opts.wait) return;
  const grant = await waitForGrant(api, role, me.id, before, opts.waitSeconds, ctx);
  if (out.json) {
    out.data({ role, group: target.group, request: request.id, status, grant });
    return;
  }
  out.line(
    `access granted: grant ${grant.id}, active${grant.endsAt ? ` until ${grant.endsAt}` : ''}`,
  );
}

/** `jit pim deactivate <role>`: ends the person's own PIM activation early (selfDeactivate);
 *  JIT Access revokes the grant at its next poll and ends the AWS sessions. */
export async function runPimDeactivate(
  api: ApiClient,
  role: string,
  opts: { readonly browser: boolean },
  out: Output,
  ctx: PimCommandContext,
): Promise<void> {
  const { config, target } = await pimRole(api, role);
  const token = await signIn(config, { browser: opts.browser }, out, ctx);
  const request = await postScheduleRequest(config, token.accessToken, role, {
    accessId: 'member',
    principalId: token.oid,
    groupId: target.groupId,
    action: 'selfDeactivate',
    justification: 'done (jit pim deactivate)',
  });
  if (out.json) {
    out.data({ role, group: target.group, request: request.id, status: request.status });
    return;
  }
  out.line(
    `deactivated ${colour.bold(role)} in Entra PIM (request ${request.id ?? '?'}); JIT Access revokes the grant at its next poll and ends your AWS sessions`,
  );
}

async function pimRole(
  api: ApiClient,
  role: string,
): Promise<{ config: PimConfig; target: PimConfig['roles'][number] }> {
  const config = await api.get<PimConfig>('/v1/pim/config');
  checkGraphUrl(config, api.server);
  const target = config.roles.find((r) => r.role === role);
  if (!target) {
    const known = config.roles.map((r) => r.role).join(', ') || 'none';
    throw new CliError(
      `role ${role} is not activated in Entra PIM here (PIM roles: ${known}); request native roles with \`jit request\``,
    );
  }
  return { config, target };
}

/** POSTs a PIM for Groups assignment schedule request with the person's token. */
async function postScheduleRequest(
  config: PimConfig,
  accessToken: string,
  role: string,
  body: Record<string, unknown>,
): Promise<ScheduleRequest> {
  const url = `${config.graphUrl.replace(/\/+$/, '')}/identityGovernance/privilegedAccess/group/assignmentScheduleRequests`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        'client-request-id': crypto.randomUUID(),
      },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(
      `could not reach Microsoft Graph at ${config.graphUrl}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let parsed: GraphErrorBody = {};
    try {
      parsed = JSON.parse(text) as GraphErrorBody;
    } catch {
      // not JSON: reported by status below
    }
    throw new CliError(
      pimRefusal(
        body['action'] === 'selfDeactivate' ? 'deactivate' : 'activate',
        role,
        response.status,
        parsed,
        response.headers,
      ),
    );
  }
  return JSON.parse(text) as ScheduleRequest;
}

async function signIn(
  config: PimConfig,
  opts: { readonly browser: boolean },
  out: Output,
  ctx: PimCommandContext,
): Promise<{ accessToken: string; oid: string }> {
  const { env } = ctx;
  const insecure = config.allowInsecureRequests;
  // Token times follow the server's clock, which the sandbox may have moved.
  const serverNow = config.now === undefined ? Number.NaN : Date.parse(config.now);
  const skew = Number.isNaN(serverNow) ? 0 : Math.round((serverNow - ctx.now()) / 1000);
  let server: oidc.Configuration;
  try {
    server = await oidc.discovery(
      new URL(config.issuer),
      config.clientId,
      { [oidc.clockSkew]: skew },
      oidc.None(),
      insecure
        ? // Deprecated only to stand out; only the sandbox's emulator speaks plain HTTP.
          // eslint-disable-next-line @typescript-eslint/no-deprecated
          { execute: [oidc.allowInsecureRequests] }
        : undefined,
    );
  } catch (error) {
    throw new CliError(
      `could not read the identity provider at ${config.issuer}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const nonce = oidc.randomNonce();
  const headless = isHeadless(env);
  let redirect = '';
  let expectedState = '';
  const flow = await runLoopbackFlow({
    authorizationUrl: ({ redirectUri, challenge, state }) => {
      redirect = redirectUri;
      expectedState = state;
      return oidc
        .buildAuthorizationUrl(server, {
          redirect_uri: redirectUri,
          scope: config.scopes.join(' '),
          code_challenge: challenge,
          code_challenge_method: 'S256',
          state,
          nonce,
        })
        .toString();
    },
    print: (line) => {
      out.error(line);
    },
    noBrowser: !opts.browser || headless,
  });
  const callback = new URL(redirect);
  callback.searchParams.set('code', flow.code);
  callback.searchParams.set('state', expectedState);
  let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  try {
    tokens = await oidc.authorizationCodeGrant(server, callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
  } catch (error) {
    throw new CliError(
      `signing in for Entra PIM failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const claims = tokens.claims();
  const oid = typeof claims?.['oid'] === 'string' ? claims['oid'] : undefined;
  if (!oid) {
    throw new CliError(
      'the identity provider returned no object id (oid) for you; PIM needs it to activate',
    );
  }
  return { accessToken: tokens.access_token, oid };
}

function pimRefusal(
  verb: 'activate' | 'deactivate',
  role: string,
  status: number,
  body: GraphErrorBody,
  headers: Headers,
): string {
  const code = body.error?.code ?? `HTTP ${status}`;
  const message = body.error?.message ?? 'no details';
  const requestId = headers.get('request-id');
  const hints: string[] = [];
  if (/JustificationRule/.test(message)) hints.push('give a reason with --justification');
  if (/TicketingRule/.test(message)) hints.push('give the ticket with --ticket');
  if (/ExpirationRule/.test(message)) hints.push('ask for a shorter --duration');
  if (/MfaRule/.test(message)) hints.push('sign in again with MFA');
  if (/ActiveDurationTooShort/.test(code))
    hints.push(
      'PIM allows deactivating only after 5 minutes; wait, or ask an administrator to `jit revoke` the grant',
    );
  if (/RoleAssignmentDoesNotExist/.test(code) && /deactivat/i.test(message))
    hints.push('you hold no active assignment of it in PIM');
  if (/RoleAssignmentExists/.test(code))
    hints.push('you already hold it in PIM; see your grant with `jit grants`');
  if (/RoleAssignmentDoesNotExist|eligib/i.test(`${code} ${message}`))
    hints.push('you must be eligible for the role in PIM; ask an administrator');
  return `Entra PIM refused to ${verb} ${role}: ${code}: ${message}${hints.length > 0 ? ` (${hints.join('; ')})` : ''}${requestId ? ` [request-id ${requestId}]` : ''}`;
}

/** Known Microsoft Graph hosts (global and national clouds). The person's delegated token
 *  goes only there, so a server that lies about Graph cannot collect it; a JIT server on this
 *  machine (the sandbox) may name its local emulator. */
const GRAPH_HOSTS = new Set([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
]);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function checkGraphUrl(config: PimConfig, server: string): void {
  const local = LOOPBACK.has(new URL(server).hostname);
  let graph: URL;
  try {
    graph = new URL(config.graphUrl);
  } catch {
    throw new CliError(
      `the server named ${JSON.stringify(config.graphUrl)} as Microsoft Graph, which is not a URL`,
    );
  }
  if (local) return;
  if (
    graph.protocol !== 'https:' ||
    !GRAPH_HOSTS.has(graph.hostname) ||
    config.allowInsecureRequests
  ) {
    throw new CliError(
      `the server at ${server} names ${config.graphUrl} as Microsoft Graph; your sign-in token goes only to Microsoft Graph over https (${[...GRAPH_HOSTS].join(', ')}), or to an emulator when the server runs on this machine`,
    );
  }
}

async function activeMirrored(
  api: ApiClient,
  role: string,
  principal: string,
): Promise<GrantList['grants']> {
  const list = await api.get<GrantList>(
    `/v1/grants?role=${encodeURIComponent(role)}&status=active&limit=100`,
  );
  return list.grants.filter(
    (g) => g.role === role && g.status === 'active' && g.source && g.principal === principal,
  );
}

async function waitForGrant(
  api: ApiClient,
  role: string,
  principal: string,
  before: ReadonlySet<string>,
  seconds: number,
  ctx: PimCommandContext,
): Promise<{ id: string; endsAt?: string }> {
  const deadline = ctx.now() + seconds * 1000;
  for (;;) {
    const found = (await activeMirrored(api, role, principal)).find((g) => !before.has(g.id));
    if (found) return found.endsAt === undefined ? { id: found.id } : found;
    if (ctx.now() >= deadline) {
      throw new CliError(
        `no access after ${seconds} s: JIT Access has not seen the activation yet (it polls PIM every few seconds; approval may still be pending); check with \`jit grants\``,
      );
    }
    await ctx.sleep(1000);
  }
}
