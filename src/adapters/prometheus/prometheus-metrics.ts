// The metrics port over prom-client, in a registry of its own (never the global one, so two
// servers in one process, as in tests, do not share counters). What the controller and the
// adapters report is counted as it happens; what lives in the store (grants by state,
// revocations owed) and who leads are read when Prometheus scrapes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ENDED_STATUSES, OPEN_STATUSES, type GrantStatus } from '../../core/grant.js';
import type { CallOutcome, CloudApi, Metrics } from '../../ports/metrics.js';

/** Latency buckets (seconds): from a fast pass to a slow AWS propagation. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Buckets for one HTTP attempt or one pass. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What is read at scrape time. Each read that throws leaves its gauge as it was. */
export interface ScrapeSources {
  readonly grantsByStatus?: () => Promise<Partial<Record<string, number>>>;
  readonly revocationsByStatus?: () => Promise<Partial<Record<string, number>>>;
  readonly isLeader?: () => boolean;
}

/** Every state, so a state with no grants shows as 0 rather than disappearing. */
export const GRANT_STATES: readonly GrantStatus[] = [...OPEN_STATUSES, ...ENDED_STATUSES];

/** The revocation statuses that are work still to do: the controller's outbox. */
const OPEN_REVOCATIONS = ['awaiting_removal', 'owed'] as const;

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  readonly #cloudCalls: Counter<'api' | 'operation' | 'outcome'>;
  readonly #cloudCallSeconds: Histogram<'api'>;
  readonly #landed: Histogram;
  readonly #removed: Histogram<'why'>;
  readonly #sessionsDenied: Histogram;
  readonly #passSeconds: Histogram;
  readonly #reconcileErrors: Counter<'kind'>;
  readonly #drift: Counter<'handled'>;
  readonly #httpSeconds: Histogram<'method' | 'route' | 'status'>;

  constructor(sources: ScrapeSources = {}, options: { readonly processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'jit_' });
    }
    this.#cloudCalls = new Counter({
      name: 'jit_cloud_calls_total',
      help: 'HTTP attempts to AWS and Microsoft Graph (the SDK retries included), by API, operation and outcome (ok, throttled, error)',
      labelNames: ['api', 'operation', 'outcome'],
      registers,
    });
    this.#cloudCallSeconds = new Histogram({
      name: 'jit_cloud_call_seconds',
      help: 'Time of one HTTP attempt to AWS or Graph, by API',
      labelNames: ['api'],
      buckets: CALL_BUCKETS,
      registers,
    });
    this.#landed = new Histogram({
      name: 'jit_access_landed_seconds',
      help: 'From a grant becoming active to its access confirmed in Identity Center',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#removed = new Histogram({
      name: 'jit_access_removed_seconds',
      help: 'From a grant ending to its access confirmed removed from Identity Center (why: ended, or drift with nothing ended)',
      labelNames: ['why'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#sessionsDenied = new Histogram({
      name: 'jit_sessions_denied_seconds',
      help: 'From access ending to the Deny for its live AWS sessions written',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#passSeconds = new Histogram({
      name: 'jit_reconcile_pass_seconds',
      help: 'Time of one controller pass',
      buckets: CALL_BUCKETS,
      registers,
    });
    this.#reconcileErrors = new Counter({
      name: 'jit_reconcile_errors_total',
      help: 'Controller errors: an action that failed in a pass (kind=action), or a pass that could not run (kind=pass)',
      labelNames: ['kind'],
      registers,
    });
    this.#drift = new Counter({
      name: 'jit_drift_total',
      help: 'Access found in Identity Center that no grant backs: reported, or removed (drift: enforce, incidents)',
      labelNames: ['handled'],
      registers,
    });
    this.#httpSeconds = new Histogram({
      name: 'jit_http_request_seconds',
      help: 'API requests, by method, route template and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: CALL_BUCKETS,
      registers,
    });
    const { grantsByStatus, revocationsByStatus, isLeader } = sources;
    new Gauge({
      name: 'jit_grants',
      help: 'Grants in the store, by state',
      labelNames: ['state'],
      registers,
      async collect() {
        if (grantsByStatus === undefined) return;
        const counts = await grantsByStatus();
        for (const state of GRANT_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
    new Gauge({
      name: 'jit_revocations_open',
      help: 'The outbox: removals and session revocations owed and not yet done, by status',
      labelNames: ['status'],
      registers,
      async collect() {
        if (revocationsByStatus === undefined) return;
        const counts = await revocationsByStatus();
        for (const status of OPEN_REVOCATIONS) this.set({ status }, counts[status] ?? 0);
      },
    });
    new Gauge({
      name: 'jit_controller_leader',
      help: '1 when this process holds the controller lease, else 0',
      registers,
      collect() {
        if (isLeader !== undefined) this.set(isLeader() ? 1 : 0);
      },
    });
  }

  cloudCall(api: CloudApi, operation: string, outcome: CallOutcome, seconds: number): void {
    this.#cloudCalls.inc({ api, operation, outcome });
    this.#cloudCallSeconds.observe({ api }, seconds);
  }

  accessLanded(seconds: number): void {
    this.#landed.observe(seconds);
  }

  accessRemoved(seconds: number, why: 'ended' | 'drift'): void {
    this.#removed.observe({ why }, seconds);
  }

  sessionsDenied(seconds: number): void {
    this.#sessionsDenied.observe(seconds);
  }

  reconcilePass(seconds: number, failedActions: number): void {
    this.#passSeconds.observe(seconds);
    if (failedActions > 0) this.#reconcileErrors.inc({ kind: 'action' }, failedActions);
  }

  reconcilePassFailed(): void {
    this.#reconcileErrors.inc({ kind: 'pass' });
  }

  driftFound(count: number, handled: 'reported' | 'removed'): void {
    this.#drift.inc({ handled }, count);
  }

  /** One API request (the route's template, never the raw URL: ids stay out of labels). */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.#httpSeconds.observe({ method, route, status: String(status) }, seconds);
  }

  /** The text exposition format, for `GET /metrics`. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
