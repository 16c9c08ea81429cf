// The EventBridge Scheduler part of the emulator's world: schedule groups (with AWS's
// `default` group), schedules, the log of what fired, and the client tokens already
// answered. Plain records and maps, like the rest of EmulatorState; handlers mutate them.

import type { AwsError } from './aws-error.js';
import type { JsonObject } from './json-input.js';
import type { UniversalTarget } from './universal-targets.js';

/** Scheduler ARNs need a region; the emulator answers one (it has no regions). */
export const schedulerRegion = 'us-east-1';

/** Every account has this group; schedules created without `GroupName` land in it. */
export const defaultGroupName = 'default';

/** "You can create up to 500 schedule groups in your AWS account" (Scheduler User Guide). */
export const maxScheduleGroups = 500;

/** How many invocations the log keeps (oldest dropped first), so a long run stays bounded. */
export const maxInvocationLog = 1000;

/** How many answered client tokens are remembered (oldest dropped first). */
export const maxRememberedTokens = 1000;

export type ScheduleState = 'ENABLED' | 'DISABLED';
export type ActionAfterCompletion = 'NONE' | 'DELETE';

export interface ScheduleGroupRecord {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly lastModifiedAt: number;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
}

/** What CreateSchedule and UpdateSchedule set: UpdateSchedule replaces all of it. */
export interface ScheduleDefinition {
  /** The members GetSchedule echoes as given (Target, FlexibleTimeWindow, dates, ...). */
  readonly echo: JsonObject;
  readonly state: ScheduleState;
  readonly actionAfterCompletion: ActionAfterCompletion;
  /** When an `at()` schedule is due, epoch ms; undefined for rate() and cron(). */
  readonly dueAt: number | undefined;
  readonly target: UniversalTarget;
  /** Target.Input, parsed: the request the target operation receives. */
  readonly input: JsonObject;
}

export interface ScheduleRecord {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  readonly createdAt: number;
  lastModifiedAt: number;
  definition: ScheduleDefinition;
  /** When this one-time schedule fired; an update re-arms it (AWS keeps completed
   *  one-time schedules with ActionAfterCompletion NONE, and they can be updated). */
  firedAt: number | undefined;
}

export type InvocationOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: JsonObject }
  | {
      readonly status: 'FAILED';
      readonly error: { readonly type: string; readonly message: string };
    };

export interface InvocationRecord {
  readonly scheduleArn: string;
  readonly groupName: string;
  readonly name: string;
  readonly targetArn: string;
  readonly input: JsonObject;
  /** When the schedule was due (its `at()` time, UTC). */
  readonly scheduledAt: number;
  /** When the emulator fired it: the first settle at or after `scheduledAt`. */
  readonly invokedAt: number;
  readonly outcome: InvocationOutcome;
  /** Whether ActionAfterCompletion DELETE removed the schedule afterwards. */
  readonly deleted: boolean;
}

export interface AnsweredToken {
  /** `group/name` of the resource the token was used on. */
  readonly resource: string;
  readonly result: JsonObject;
}

export interface SchedulerState {
  readonly accountId: string;
  readonly groups: Map<string, ScheduleGroupRecord>;
  /** Keyed by `scheduleKey(group, name)`. */
  readonly schedules: Map<string, ScheduleRecord>;
  readonly invocations: InvocationRecord[];
  /** `<operation>:<ClientToken>` to what was answered, for idempotent retries. */
  readonly tokens: Map<string, AnsweredToken>;
}

export function scheduleKey(groupName: string, name: string): string {
  return `${groupName}/${name}`;
}

export function scheduleArn(accountId: string, groupName: string, name: string): string {
  return `arn:aws:scheduler:${schedulerRegion}:${accountId}:schedule/${groupName}/${name}`;
}

export function scheduleGroupArn(accountId: string, name: string): string {
  return `arn:aws:scheduler:${schedulerRegion}:${accountId}:schedule-group/${name}`;
}

export function newScheduleGroup(
  accountId: string,
  name: string,
  now: number,
  tags: ScheduleGroupRecord['tags'] = [],
): ScheduleGroupRecord {
  return {
    name,
    arn: scheduleGroupArn(accountId, name),
    createdAt: now,
    lastModifiedAt: now,
    tags,
  };
}

/** A fresh scheduler for the management account, holding only the `default` group. */
export function createSchedulerState(accountId: string, now: number): SchedulerState {
  return {
    accountId,
    groups: new Map([[defaultGroupName, newScheduleGroup(accountId, defaultGroupName, now)]]),
    schedules: new Map(),
    invocations: [],
    tokens: new Map(),
  };
}

/** Appends to a bounded log, dropping the oldest entries beyond `max`. */
export function appendBounded<T>(log: T[], entry: T, max: number): void {
  log.push(entry);
  if (log.length > max) log.splice(0, log.length - max);
}

/** Remembers a token's answer, forgetting the oldest beyond `maxRememberedTokens`. */
export function rememberToken(state: SchedulerState, key: string, answered: AnsweredToken): void {
  state.tokens.delete(key);
  state.tokens.set(key, answered);
  while (state.tokens.size > maxRememberedTokens) {
    const oldest = state.tokens.keys().next();
    if (oldest.done === true) break;
    state.tokens.delete(oldest.value);
  }
}

export function failureOf(error: AwsError): InvocationOutcome {
  return { status: 'FAILED', error: { type: error.type, message: error.message } };
}
