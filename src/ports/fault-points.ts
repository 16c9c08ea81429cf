// Named points where tests may crash the process on purpose (sandbox test hooks only),
// to prove that a restart converges. Production wiring uses `noFaults`.

export interface FaultPoints {
  /** Called when execution reaches `point`; a test implementation may kill the process. */
  hit(point: FaultPoint): void;
}

export type FaultPoint =
  | 'controller.after-target-grant'
  | 'controller.after-grant-expired'
  | 'controller.after-target-revoke'
  | 'controller.after-removal-recorded'
  | 'controller.after-sessions-revoked'
  | 'workflow.after-approval-commit';

/** The points on the way from a grant's end to its live sessions denied, in order: a crash
 *  at any of them must still end with the sessions denied. */
export const REMOVAL_PATH: readonly FaultPoint[] = [
  'controller.after-grant-expired',
  'controller.after-target-revoke',
  'controller.after-removal-recorded',
  'controller.after-sessions-revoked',
];

export const noFaults: FaultPoints = { hit: () => undefined };
