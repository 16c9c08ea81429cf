// Named points where tests may crash the process on purpose (sandbox test hooks only),
// to prove that a restart converges. Production wiring uses `noFaults`.

export interface FaultPoints {
  /** Called when execution reaches `point`; a test implementation may kill the process. */
  hit(point: FaultPoint): void;
}

export type FaultPoint =
  | 'controller.after-target-grant'
  | 'controller.after-target-revoke'
  | 'workflow.after-approval-commit';

export const noFaults: FaultPoints = { hit: () => undefined };
