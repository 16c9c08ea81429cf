// What the HTTP API is built from (`createApp(deps)`), and the types its routes share: kept
// apart from create-app.ts so that routes and the app factory do not import each other.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ReconcileResult } from '../controller/reconciler.js';
import type { Entitlement } from '../core/grant.js';
import type { Principal } from '../core/principal.js';
import type { Clock, SettableClock } from '../ports/clock.js';
import type { PimActivationInfo } from '../ports/clouds.js';
import type { Directory } from '../ports/directory.js';
import type { Store } from '../store/store.js';
import type { MirrorOutcome } from '../controller/pim-mirror.js';
import type { IncidentService } from '../workflow/incident-service.js';
import type { PrometheusMetrics } from '../adapters/prometheus/prometheus-metrics.js';
import type { WorkflowService } from '../workflow/workflow-service.js';
import type { Authentication, Authenticator } from './auth/authenticator.js';
import type { OidcLogin } from './auth/oidc-login.js';
import type { SandboxTokens } from './auth/sandbox-tokens.js';

export type { PimActivationInfo } from '../ports/clouds.js';

export interface ControllerStatus {
  readonly leader: boolean;
  readonly lastPass?: ReconcileResult;
}

export interface AppDeps {
  readonly mode: 'sandbox' | 'live';
  readonly workflow: WorkflowService;
  readonly store: Store;
  readonly directory: Directory;
  readonly authenticator: Authenticator;
  readonly clock: Clock;
  readonly version: string;
  /** Sandbox sign-in; refused unless mode is sandbox. */
  readonly sandboxLogin?: SandboxTokens;
  /** OIDC sign-in for browsers and the CLI (required in live mode). */
  readonly oidc?: OidcLogin;
  /** A public client id the CLI may use for flows straight with the identity provider. */
  readonly cliClientId?: string;
  /** Sandbox test hooks: set the clock, run a pass, show the emulated target. */
  readonly testHooks?: {
    /** Sent back in `x-jit-test-hook` by whoever may use the hooks (a file only the user
     *  running `jit serve` can read holds it). */
    readonly token: string;
    readonly clock: SettableClock;
    readonly reconcile: () => Promise<ReconcileResult | undefined>;
    /** Polls Entra PIM now and mirrors what it sees (what the watcher does every interval). */
    readonly pollActivations?: () => Promise<readonly MirrorOutcome[]>;
  };
  /** `GET /metrics` (Prometheus); with `token`, scrapes must send it as a bearer token,
   *  without one only loopback clients may scrape. Absent: no route. */
  readonly metrics?: {
    readonly registry: PrometheusMetrics;
    readonly token?: string | undefined;
  };
  /** Incident response (`POST /v1/incidents/revoke-user`); without it the route says so. */
  readonly incidents?: IncidentService;
  /** Entra PIM: how people activate entra-pim roles (`jit pim activate`). */
  readonly pim?: PimActivationInfo;
  /** Sandbox: what the emulated target holds, for people trying it out. */
  readonly sandboxTarget?: { held(): Promise<readonly Entitlement[]> };
  readonly controllerStatus?: () => ControllerStatus;
  /** A pino logger (or any Fastify-compatible one) for requests and unexpected errors;
   *  left out or false, the app logs nothing. */
  readonly logger?: FastifyBaseLogger | false;
  /** Behind a load balancer: whose X-Forwarded-For/-Proto to believe (Fastify's
   *  `trustProxy`); the client address then keys the rate limit. Default: nobody's. */
  readonly trustProxy?: boolean | number | readonly string[];
  /** Per-client request limit per minute; false turns it off (benchmarks). */
  readonly rateLimit?: false | { readonly max: number };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    authentication?: Authentication;
  }
}

export type Authenticate = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
export type TypedApp = ReturnType<FastifyInstance['withTypeProvider']>;
