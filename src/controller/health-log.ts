// The controller's log lines that the deployment's alarms count (infra/lib/controller-alarms.ts
// builds CloudWatch Logs metric filters from these): renaming one changes the alarms, which
// import these constants, so it cannot drift silently.

export const HEALTH_LOG = {
  /** Once a minute while this process leads: `{ passes, failedPasses }` since the last one. */
  heartbeat: 'controller heartbeat',
  /** A whole pass failed (the store unreachable). */
  passFailed: 'reconcile pass failed',
  /** One grant or revoke failed against the target: `{ action: 'grant' | 'revoke' }`. */
  targetActionFailed: 'target action failed',
  /** Denying a removed grant's open sessions failed; retried. */
  revocationFailed: 'session revocation failed; will retry',
} as const;

/** How often the leader logs its heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 60_000;
