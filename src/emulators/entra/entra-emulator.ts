// The Entra emulator without its HTTP server: the tenant's state (directory, PIM, signing
// key, certificates, provisioning job) and the request pipeline — route, count, latency,
// settle the clock, throttle (Graph), inject faults, authenticate (Graph), dispatch — plus
// the admin operations the running emulator and /_emulator/ expose.

import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorClock } from '../emulator-runtime.js';
import { silentEmulatorLogger, type EmulatorLogger } from '../emulator-runtime.js';
import { handleAdmin } from './admin-routes.js';
import { applySeed } from './apply-seed.js';
import { CallCounter, type OperationCounts } from './call-counter.js';
import { ClientCertificates, type CertificateThumbprints } from './client-certificates.js';
import { ClockTimer } from './clock-timer.js';
import { directoryRoutes } from './directory-routes.js';
import { EntraDirectory } from './entra-directory.js';
import {
  ENTRA_SANDBOX_APP,
  ENTRA_SANDBOX_TENANT_ID,
  type EntraEmulatorOptions,
  type EntraSeed,
  type EntraSeedResult,
} from './entra-emulator-options.js';
import { FaultInjector, type EntraFaultSpec, type InjectedFault } from './fault-injector.js';
import { authenticateGraphCall } from './graph-auth.js';
import type { GraphCall, GraphRoute, GraphWorld } from './graph-context.js';
import { badRequest, GraphError, graphErrorResponse } from './graph-error.js';
import { permissionsFor, sandboxApplicationPermissions } from './graph-permissions.js';
import { groupDelta } from './group-delta.js';
import { header, jsonResponse, type EntraRequest, type EntraResponse } from './http-kit.js';
import { IdentityError, identityErrorResponse } from './identity-error.js';
import { IdentityPlatform } from './identity-platform.js';
import { PimRequestProcessor } from './pim-requests.js';
import { pimRoutes } from './pim-routes.js';
import { PimState } from './pim-state.js';
import { policyRoutes } from './policy-routes.js';
import { ProvisioningJob } from './provisioning-job.js';
import { RouteTable } from './route-table.js';
import { synchronizationRoutes } from './synchronization-routes.js';
import { TokenBucket } from './token-bucket.js';
import type { TokenIssuer } from './token-issuer.js';

type IdentityHandler = (
  request: EntraRequest,
  tenant: string,
) => EntraResponse | Promise<EntraResponse>;

const appDisplayName = 'JIT Access (sandbox)';

export class EntraEmulator {
  readonly tenantId: string;
  readonly app: { readonly clientId: string; readonly clientSecret: string };
  readonly directory: EntraDirectory;
  readonly pim: PimState;
  readonly provisioning: ProvisioningJob;
  readonly identity: IdentityPlatform;
  readonly faults: FaultInjector;
  readonly #clock: EmulatorClock;
  readonly #logger: EmulatorLogger;
  readonly #tokens: TokenIssuer;
  readonly #certificates = new ClientCertificates();
  readonly #redirectUris: Set<string>;
  #applicationPermissions: readonly string[];
  readonly #counter = new CallCounter();
  readonly #bucket: TokenBucket | undefined;
  readonly #identityRoutes = new RouteTable<IdentityHandler>();
  readonly #graphRoutes = new RouteTable<GraphRoute>();
  readonly #timer: ClockTimer;
  #latencyMs: number;
  #baseUrl = 'http://127.0.0.1';

  constructor(options: EntraEmulatorOptions, tokens: TokenIssuer) {
    this.#clock = options.clock;
    this.#logger = options.logger ?? silentEmulatorLogger;
    this.#tokens = tokens;
    this.tenantId = (options.tenantId ?? ENTRA_SANDBOX_TENANT_ID).toLowerCase();
    this.app = { ...(options.app ?? ENTRA_SANDBOX_APP) };
    this.#latencyMs = options.latencyMs ?? 0;
    this.#redirectUris = new Set(options.redirectUris ?? []);
    this.#applicationPermissions = [
      ...(options.applicationPermissions ?? sandboxApplicationPermissions),
    ];
    this.faults = new FaultInjector(options.random ?? Math.random);
    for (const [operation, spec] of Object.entries(options.faults ?? {}))
      this.faults.set(operation, spec);
    const rate = options.rateLimit ?? 100;
    if (rate !== false && !(rate > 0))
      throw new RangeError('rateLimit must be a number of requests per second > 0, or false');
    this.#bucket =
      rate === false
        ? undefined
        : new TokenBucket({ ratePerSecond: rate, burst: rate }, () => this.#clock.now());
    const now = (): number => this.#clock.now();
    this.directory = new EntraDirectory(now);
    this.pim = new PimState(this.directory);
    const derivedId = (label: string): string => {
      const hex = createHash('sha256').update(`${this.tenantId}:${label}`).digest('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    };
    this.provisioning = new ProvisioningJob({
      directory: this.directory,
      now,
      logger: this.#logger,
      servicePrincipalId: derivedId('aws-iam-identity-center-sp'),
      jobId: `aWSSingleSignOn.${derivedId('job').replaceAll('-', '')}.${derivedId('job-instance')}`,
      ...(options.provisioning === undefined
        ? {}
        : {
            scimUrl: options.provisioning.scimUrl,
            scimToken: options.provisioning.scimToken,
            ...(options.provisioning.cycleMs === undefined
              ? {}
              : { cycleMs: options.provisioning.cycleMs }),
            ...(options.provisioning.timeFactor === undefined
              ? {}
              : { timeFactor: options.provisioning.timeFactor }),
          }),
    });
    this.identity = new IdentityPlatform({
      tenantId: this.tenantId,
      baseUrl: () => this.#baseUrl,
      clock: this.#clock,
      app: this.app,
      appDisplayName,
      servicePrincipalId: derivedId('sandbox-app-sp'),
      directory: this.directory,
      tokens,
      certificates: this.#certificates,
      redirectUris: this.#redirectUris,
      applicationPermissions: () => this.#applicationPermissions,
    });
    this.#registerIdentityRoutes();
    this.#registerGraphRoutes();
    this.#timer = new ClockTimer(
      this.#clock,
      () => {
        const candidates = [this.pim.nextDeadline(), this.provisioning.nextDeadline()].filter(
          (d): d is number => d !== undefined,
        );
        return candidates.length === 0 ? undefined : Math.min(...candidates);
      },
      (at) => {
        this.pim.settle(at);
        this.provisioning.tick(at);
      },
    );
    if (options.seed !== undefined) this.seed(options.seed);
    this.#timer.wake();
  }

  /** Called once the server listens. */
  setBaseUrl(url: string): void {
    this.#baseUrl = url;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  get graphUrl(): string {
    return `${this.#baseUrl}/v1.0`;
  }

  #registerIdentityRoutes(): void {
    const t = this.#identityRoutes;
    const id = this.identity;
    t.add(
      'GET',
      '/{tenant}/v2.0/.well-known/openid-configuration',
      (r, tenant) => id.discovery(r, tenant),
      'GET /openid-configuration',
    );
    t.add('GET', '/{tenant}/discovery/v2.0/keys', (r, tenant) => id.keys(r, tenant), 'GET /keys');
    t.add('POST', '/{tenant}/oauth2/v2.0/token', (r, tenant) => id.token(r, tenant), 'POST /token');
    t.add(
      'GET',
      '/{tenant}/oauth2/v2.0/authorize',
      (r, tenant) => id.authorizeGet(r, tenant),
      'GET /authorize',
    );
    t.add(
      'POST',
      '/{tenant}/oauth2/v2.0/authorize',
      (r, tenant) => id.authorizePost(r, tenant),
      'POST /authorize',
    );
    t.add(
      'GET',
      '/{tenant}/oauth2/v2.0/logout',
      (r, tenant) => id.logout(r, tenant),
      'GET /logout',
    );
    t.add(
      'POST',
      '/{tenant}/oauth2/v2.0/logout',
      (r, tenant) => id.logout(r, tenant),
      'POST /logout',
    );
  }

  #registerGraphRoutes(): void {
    const table = this.#graphRoutes;
    directoryRoutes(table, groupDelta);
    pimRoutes(table, new PimRequestProcessor(this.pim, this.directory));
    policyRoutes(table);
    synchronizationRoutes(table, this.provisioning, () => this.#clock.now());
    table.add('GET', '/oidc/userinfo', {
      access: 'userinfo',
      handler: (call) => this.#userinfo(call),
    });
  }

  #userinfo(call: GraphCall): EntraResponse {
    if (call.caller.kind !== 'user')
      throw badRequest('userinfo needs a delegated (signed-in user) token.');
    const user = this.directory.users.get(call.caller.userId);
    if (user === undefined)
      throw new GraphError(
        401,
        'InvalidAuthenticationToken',
        'The signed-in user does not exist anymore.',
      );
    const names = user.displayName.split(/\s+/);
    return jsonResponse(200, {
      sub: createHash('sha256')
        .update(`${user.id}:${call.caller.appId}`)
        .digest('base64url')
        .slice(0, 43),
      name: user.displayName,
      family_name: user.surname ?? names.slice(1).join(' '),
      given_name: user.givenName ?? names[0] ?? '',
      picture: `${this.graphUrl}/me/photo/$value`,
      email: user.mail ?? user.userPrincipalName,
    });
  }

  // ---- pipeline ------------------------------------------------------------------------

  async handle(request: EntraRequest): Promise<EntraResponse> {
    const path = request.path;
    if (path.startsWith('/_emulator/') || path === '/_emulator') return handleAdmin(this, request);
    if (path === '/v1.0' || path.startsWith('/v1.0/'))
      return this.#graph(request, path.slice('/v1.0'.length) || '/');
    if (path === '/oidc/userinfo') return this.#graph(request, path);
    return this.#identityRequest(request);
  }

  async #delay(operation: string): Promise<void> {
    const ms = this.#latencyMs + (this.faults.spec(operation)?.latencyMs ?? 0);
    if (ms > 0) await sleep(ms);
  }

  #injected(operation: string): InjectedFault | undefined {
    const fault = this.faults.roll(operation);
    if (fault !== undefined) this.#counter.faulted(operation);
    return fault;
  }

  async #identityRequest(request: EntraRequest): Promise<EntraResponse> {
    const lookup = this.#identityRoutes.lookup(request.method, request.path);
    if (lookup.kind !== 'found') {
      return jsonResponse(404, {
        error: 'not_found',
        error_description: `The Entra emulator has no endpoint ${request.method} ${request.path.slice(0, 200)}. Identity endpoints live under /{tenant}/ (e.g. /${this.tenantId}/v2.0/.well-known/openid-configuration), Graph under /v1.0/, admin under /_emulator/.`,
      });
    }
    const { operation, handler, params } = lookup.match;
    this.#counter.received(operation);
    await this.#delay(operation);
    const fault = this.#injected(operation);
    let response: EntraResponse;
    if (fault !== undefined) {
      const error =
        fault.status === 500
          ? new IdentityError(
              500,
              'server_error',
              90033,
              'A transient error has occurred (injected by the Entra emulator). Please try again.',
            )
          : new IdentityError(
              fault.status,
              'temporarily_unavailable',
              90033,
              'A transient error has occurred (injected by the Entra emulator). Please try again.',
            );
      const answer = identityErrorResponse(
        error,
        this.#clock.now(),
        header(request, 'client-request-id'),
      );
      response =
        fault.status === 500
          ? answer
          : {
              ...answer,
              headers: { ...answer.headers, 'retry-after': String(fault.retryAfterSeconds) },
            };
    } else {
      response = await handler(request, params[0] ?? '');
    }
    if (response.status >= 400) this.#counter.failed(operation);
    return { ...response, headers: { ...response.headers, 'x-ms-request-id': request.requestId } };
  }

  async #graph(request: EntraRequest, graphPath: string): Promise<EntraResponse> {
    const clientRequestId = header(request, 'client-request-id');
    const finish = (response: EntraResponse): EntraResponse => ({
      ...response,
      headers: {
        ...response.headers,
        'request-id': request.requestId,
        'client-request-id': clientRequestId ?? request.requestId,
      },
    });
    const fail = (error: GraphError): EntraResponse =>
      finish(graphErrorResponse(error, request.requestId, clientRequestId, this.#clock.now()));
    const lookup = this.#graphRoutes.lookup(request.method, graphPath);
    if (lookup.kind === 'not-found')
      return fail(
        badRequest(`Resource not found for the segment '${lookup.segment.slice(0, 100)}'.`),
      );
    if (lookup.kind === 'method-not-allowed')
      return fail(
        new GraphError(
          405,
          'Request_BadRequest',
          `The HTTP method '${request.method}' is not allowed on this resource; use ${[...new Set(lookup.allowed)].join(', ')}.`,
          {
            allow: [...new Set(lookup.allowed)].join(', '),
          },
        ),
      );
    const { operation, handler, params } = lookup.match;
    this.#counter.received(operation);
    try {
      await this.#delay(operation);
      const now = this.#clock.now();
      if (this.pim.settle(now)) this.#timer.wake();
      if (this.#bucket !== undefined && !this.#bucket.take()) {
        this.#counter.throttled(operation);
        const wait = this.#bucket.retryAfterSeconds();
        throw new GraphError(
          429,
          'TooManyRequests',
          `Too many requests: more than the emulator's rate limit. Retry after ${wait} seconds.`,
          {
            'retry-after': String(wait),
          },
        );
      }
      const fault = this.#injected(operation);
      if (fault !== undefined) {
        const retry = { 'retry-after': String(fault.retryAfterSeconds) };
        if (fault.status === 429)
          throw new GraphError(
            429,
            'TooManyRequests',
            'Too many requests (injected by the Entra emulator). Please retry later.',
            retry,
          );
        if (fault.status === 503)
          throw new GraphError(
            503,
            'serviceNotAvailable',
            'Service unavailable (injected by the Entra emulator). Please retry later.',
            retry,
          );
        throw new GraphError(
          500,
          'generalException',
          'General exception while processing (injected by the Entra emulator).',
        );
      }
      const caller = await authenticateGraphCall(header(request, 'authorization'), this.#tokens, {
        issuer: this.identity.accessTokenIssuer,
        tenantId: this.tenantId,
        now,
      });
      const allowed: readonly string[] = permissionsFor[handler.access];
      if (!allowed.some((p) => caller.permissions.includes(p)))
        throw new GraphError(
          403,
          'Authorization_RequestDenied',
          `Insufficient privileges to complete the operation. It needs one of: ${allowed.join(', ')}.`,
        );
      const world: GraphWorld = {
        directory: this.directory,
        pim: this.pim,
        graphUrl: this.graphUrl,
      };
      const response = await handler.handler({
        request,
        params,
        caller,
        now,
        world,
        path: graphPath,
      });
      this.#timer.wake();
      if (response.status >= 400) this.#counter.failed(operation);
      return finish(response);
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      this.#counter.failed(operation);
      this.#timer.wake();
      return fail(error);
    }
  }

  // ---- admin ---------------------------------------------------------------------------

  seed(seed: EntraSeed): EntraSeedResult {
    const result = applySeed(this.directory, this.pim, seed, this.#clock.now());
    this.#timer.wake();
    return result;
  }

  calls(): Record<string, number> {
    return this.#counter.calls();
  }

  callDetails(): Record<string, OperationCounts> {
    return this.#counter.details();
  }

  resetCalls(): void {
    this.#counter.reset();
  }

  /** Sets (or with null clears) faults per operation; throws RangeError on a bad spec. */
  setFaults(faults: Readonly<Record<string, EntraFaultSpec | null>>): void {
    for (const [operation, spec] of Object.entries(faults)) this.faults.set(operation, spec);
  }

  setLatency(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError('latency must be a number of milliseconds >= 0');
    this.#latencyMs = ms;
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  addClientCertificate(certificatePem: string): CertificateThumbprints {
    return this.#certificates.add(certificatePem);
  }

  /** Replaces the application permissions the app holds (tokens issued from now on carry
   *  them): tests take one away to see what needs it. */
  setApplicationPermissions(permissions: readonly string[]): void {
    this.#applicationPermissions = [...permissions];
  }

  get applicationPermissions(): readonly string[] {
    return this.#applicationPermissions;
  }

  addRedirectUri(uri: string): void {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new TypeError(`${JSON.stringify(uri.slice(0, 200))} is not an absolute URL`);
    }
    if (url.hash !== '') throw new TypeError('a redirect URI cannot have a fragment');
    this.#redirectUris.add(uri);
  }

  /** A fresh request id, for the HTTP layer. */
  static requestId(): string {
    return randomUUID();
  }

  close(): void {
    this.#timer.close();
  }
}
