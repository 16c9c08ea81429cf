// The metrics port: what the controller and the cloud adapters report as it happens. The
// Prometheus registry (src/observability/) implements it; tests and benchmarks use
// `noMetrics`. Counts that live in the store (grants by state, revocations owed) are read
// when scraped, not reported here.

/** Which API a call went to. */
export type CloudApi =
  'sso-admin' | 'identitystore' | 'organizations' | 'sts' | 'scheduler' | 'graph';

/** How one HTTP attempt ended: throttled (429 / a throttling error) is told apart. */
export type CallOutcome = 'ok' | 'throttled' | 'error';

export interface Metrics {
  /** One HTTP attempt to AWS or Graph (the SDK's own retries each count). */
  cloudCall(api: CloudApi, operation: string, outcome: CallOutcome, seconds: number): void;
  /** Access confirmed in Identity Center, `seconds` after the grant became active. */
  accessLanded(seconds: number): void;
  /** Access confirmed removed, `seconds` after the grant ended (or, for drift, 0). */
  accessRemoved(seconds: number, why: 'ended' | 'drift'): void;
  /** A session revocation (the SCP's Deny) written, `seconds` after access ended. */
  sessionsDenied(seconds: number): void;
  /** One reconcile pass: its time, and the actions that failed in it. */
  reconcilePass(seconds: number, failedActions: number): void;
  /** A pass that could not run at all (the store or the target unreachable). */
  reconcilePassFailed(): void;
  /** Drift newly reported or removed in a pass. */
  driftFound(count: number, handled: 'reported' | 'removed'): void;
}

/** Records nothing. */
export const noMetrics: Metrics = {
  cloudCall: () => undefined,
  accessLanded: () => undefined,
  accessRemoved: () => undefined,
  sessionsDenied: () => undefined,
  reconcilePass: () => undefined,
  reconcilePassFailed: () => undefined,
  driftFound: () => undefined,
};
