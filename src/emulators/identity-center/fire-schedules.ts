// Fires the one-time schedules that are due. Like settleOperations, it runs lazily before
// every request (and every session check and admin read) on the emulator's injected clock:
// no timers, so a fake clock decides exactly when a schedule fires. AWS invokes within the
// minute after the `at()` time; here it is the first settle at or after it.

import {
  appendBounded,
  maxInvocationLog,
  scheduleKey,
  type InvocationOutcome,
  type InvocationRecord,
  type ScheduleRecord,
  type SchedulerState,
} from './scheduler-state.js';
import type { JsonObject } from './json-input.js';
import type { UniversalTarget } from './universal-targets.js';

/** Calls the target operation with its request; failures come back as outcomes. */
export type TargetInvoker = (target: UniversalTarget, input: JsonObject) => InvocationOutcome;

function isDue(schedule: ScheduleRecord, now: number): boolean {
  const { state, dueAt } = schedule.definition;
  return (
    state === 'ENABLED' && dueAt !== undefined && dueAt <= now && schedule.firedAt === undefined
  );
}

/**
 * Invokes every due, enabled, not yet fired `at()` schedule once, oldest due first, logs
 * the outcome, and deletes the schedule when its ActionAfterCompletion is DELETE (the
 * schedule completes whether the call succeeded or failed: retries are not emulated).
 * Returns what fired.
 */
export function fireDueSchedules(
  scheduler: SchedulerState,
  now: number,
  invoke: TargetInvoker,
): InvocationRecord[] {
  const due = [...scheduler.schedules.values()]
    .filter((schedule) => isDue(schedule, now))
    .sort((a, b) => (a.definition.dueAt ?? 0) - (b.definition.dueAt ?? 0));
  return due.map((schedule) => {
    const { definition } = schedule;
    const outcome = invoke(definition.target, definition.input);
    schedule.firedAt = now;
    const deleted = definition.actionAfterCompletion === 'DELETE';
    if (deleted) scheduler.schedules.delete(scheduleKey(schedule.groupName, schedule.name));
    const record: InvocationRecord = {
      scheduleArn: schedule.arn,
      groupName: schedule.groupName,
      name: schedule.name,
      targetArn: definition.target.arn,
      input: definition.input,
      scheduledAt: definition.dueAt ?? now,
      invokedAt: now,
      outcome,
      deleted,
    };
    appendBounded(scheduler.invocations, record, maxInvocationLog);
    return record;
  });
}
