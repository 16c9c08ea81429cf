// EventBridge Scheduler: schedule groups and schedules, with the constraints of the
// Scheduler API model (botocore's scheduler 2021-06-30 service-2.json: name patterns and
// lengths, enums, ranges). Targets are limited to the universal targets the emulator can
// invoke on itself (universal-targets.ts); firing is fire-schedules.ts.

import { conflictError, notFoundError, quotaError, validationError } from './aws-error.js';
import { isJsonObject, type JsonInput, type JsonObject } from './json-input.js';
import { compact, epochSeconds } from './operation-handler.js';
import { paginate } from './paginate.js';
import { isTimeZone, parseScheduleExpression, wallClockToUtc } from './schedule-expression.js';
import {
  defaultGroupName,
  maxScheduleGroups,
  newScheduleGroup,
  rememberToken,
  scheduleArn,
  scheduleKey,
  type ActionAfterCompletion,
  type ScheduleDefinition,
  type ScheduleGroupRecord,
  type ScheduleRecord,
  type SchedulerState,
  type ScheduleState,
} from './scheduler-state.js';
import { supportedTargetArns, universalTarget } from './universal-targets.js';

export interface SchedulerContext {
  readonly scheduler: SchedulerState;
  /** Milliseconds since the epoch, from the emulator's clock. */
  readonly now: number;
}

export type SchedulerHandler = (input: JsonInput, context: SchedulerContext) => JsonObject;

// Patterns and lengths from the model's Name, ScheduleGroupName, ClientToken, RoleArn,
// KmsKeyArn and DeadLetterConfigArnString shapes.
const namePattern = /^[0-9a-zA-Z-_.]+$/;
const clientTokenPattern = /^[a-zA-Z0-9-_]+$/;
const roleArnPattern = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const kmsKeyArnPattern = /^arn:aws(-[a-z]+)?:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[0-9a-zA-Z-_]*$/;
const sqsArnPattern = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;

const scheduleStates = ['ENABLED', 'DISABLED'] as const satisfies readonly ScheduleState[];
const completionActions = ['NONE', 'DELETE'] as const satisfies readonly ActionAfterCompletion[];
const windowModes = ['OFF', 'FLEXIBLE'] as const;

/** Templated-target parameters: none applies to a universal target. */
const templatedParameters = [
  'EcsParameters',
  'EventBridgeParameters',
  'KinesisParameters',
  'SageMakerPipelineParameters',
  'SqsParameters',
] as const;

interface StringRule {
  readonly min: number;
  readonly max?: number;
  readonly pattern?: RegExp;
}

/** Checks a string against a model constraint, in the words AWS's validation errors use. */
function checkString(value: string, at: string, rule: StringRule): string {
  const max = rule.max ?? Number.POSITIVE_INFINITY;
  if (value.length < rule.min || value.length > max) {
    const bound =
      rule.max === undefined ? `at least ${rule.min}` : `between ${rule.min} and ${max}`;
    throw validationError(
      `1 validation error detected: Value at '${at}' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  if (rule.pattern !== undefined && !rule.pattern.test(value)) {
    throw validationError(
      `1 validation error detected: Value '${value}' at '${at}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${rule.pattern.source}`,
    );
  }
  return value;
}

function requiredString(input: JsonInput, member: string, at: string, rule: StringRule): string {
  const value = input.optString(member);
  if (value === undefined) {
    throw validationError(
      `1 validation error detected: Value null at '${at}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return checkString(value, at, rule);
}

function optionalString(
  input: JsonInput,
  member: string,
  at: string,
  rule: StringRule,
): string | undefined {
  const value = input.optString(member);
  return value === undefined ? undefined : checkString(value, at, rule);
}

function optionalEnum<T extends string>(
  input: JsonInput,
  member: string,
  allowed: readonly T[],
): T | undefined {
  const value = input.optString(member);
  if (value === undefined) return undefined;
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) {
    throw validationError(
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return found;
}

/** restJson1 timestamps in a body are epoch seconds. */
function optionalTimestamp(input: JsonInput, member: string): number | undefined {
  if (!input.has(member)) return undefined;
  const value = input.raw[member];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw validationError(`${member} must be a timestamp in epoch seconds`);
  }
  return value;
}

const nameRule: StringRule = { min: 1, max: 64, pattern: namePattern };

function scheduleName(input: JsonInput): string {
  return requiredString(input, 'Name', 'name', nameRule);
}

/** The group a schedule request names; the `default` group when it names none. */
function groupNameOf(input: JsonInput): string {
  return optionalString(input, 'GroupName', 'groupName', nameRule) ?? defaultGroupName;
}

function requireGroup(scheduler: SchedulerState, name: string): ScheduleGroupRecord {
  const group = scheduler.groups.get(name);
  if (group === undefined) throw notFoundError(`Schedule group ${name} does not exist.`);
  return group;
}

function requireSchedule(
  scheduler: SchedulerState,
  groupName: string,
  name: string,
): ScheduleRecord {
  requireGroup(scheduler, groupName);
  const schedule = scheduler.schedules.get(scheduleKey(groupName, name));
  if (schedule === undefined) throw notFoundError(`Schedule ${name} does not exist.`);
  return schedule;
}

/**
 * Answers a retried request (same operation, same ClientToken, same resource) with what the
 * first answered, instead of doing it again: the SDK fills ClientToken itself and keeps it
 * across its retries, so a retry after a lost response must not become a ConflictException.
 */
function idempotent(
  context: SchedulerContext,
  operation: string,
  input: JsonInput,
  resource: string,
  run: () => JsonObject,
): JsonObject {
  const token = optionalString(input, 'ClientToken', 'clientToken', {
    min: 1,
    max: 64,
    pattern: clientTokenPattern,
  });
  if (token === undefined) return run();
  const key = `${operation}:${token}`;
  const prior = context.scheduler.tokens.get(key);
  if (prior?.resource === resource) return prior.result;
  const result = run();
  rememberToken(context.scheduler, key, { resource, result });
  return result;
}

function readFlexibleTimeWindow(input: JsonInput): JsonObject {
  const window = input.object('FlexibleTimeWindow');
  const mode = optionalEnum(window, 'Mode', windowModes);
  if (mode === undefined) throw validationError('FlexibleTimeWindow.Mode is required');
  const minutes = window.optInteger('MaximumWindowInMinutes', 1, 1440);
  if (mode === 'FLEXIBLE' && minutes === undefined) {
    throw validationError(
      'FlexibleTimeWindow.MaximumWindowInMinutes is required when Mode is FLEXIBLE',
    );
  }
  return compact({ Mode: mode, MaximumWindowInMinutes: minutes });
}

interface ReadTarget {
  readonly echo: JsonObject;
  readonly definition: Pick<ScheduleDefinition, 'target' | 'input'>;
}

function readTarget(input: JsonInput): ReadTarget {
  const target = input.object('Target');
  const arn = requiredString(target, 'Arn', 'target.arn', { min: 1, max: 1600 });
  const roleArn = requiredString(target, 'RoleArn', 'target.roleArn', {
    min: 1,
    max: 1600,
    pattern: roleArnPattern,
  });
  const universal = universalTarget(arn);
  if (universal === undefined) {
    throw validationError(
      `Target.Arn ${arn} is not a target this emulator invokes; supported targets: ${supportedTargetArns.join(', ')}`,
    );
  }
  for (const member of templatedParameters) {
    if (target.has(member)) {
      throw validationError(`Target.${member} does not apply to the universal target ${arn}`);
    }
  }
  const inputText = optionalString(target, 'Input', 'target.input', { min: 1 });
  const request = inputText === undefined ? {} : parseTargetInput(inputText, arn);
  const retry = target.optObject('RetryPolicy');
  if (retry !== undefined) {
    retry.optInteger('MaximumEventAgeInSeconds', 60, 86400);
    retry.optInteger('MaximumRetryAttempts', 0, 185);
  }
  const deadLetter = target.optObject('DeadLetterConfig');
  if (deadLetter !== undefined) {
    optionalString(deadLetter, 'Arn', 'target.deadLetterConfig.arn', {
      min: 1,
      max: 1600,
      pattern: sqsArnPattern,
    });
  }
  return {
    echo: compact({
      Arn: arn,
      RoleArn: roleArn,
      Input: inputText,
      RetryPolicy: retry?.raw,
      DeadLetterConfig: deadLetter?.raw,
    }),
    definition: { target: universal, input: request },
  };
}

/**
 * A universal target's Input is the target API's request as JSON. AWS only finds a bad one
 * when the schedule runs; the emulator refuses it at once, since every target it invokes
 * needs a JSON object (stricter than AWS, never more lenient).
 */
function parseTargetInput(text: string, arn: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw validationError(`Target.Input for ${arn} must be well-formed JSON`);
  }
  if (!isJsonObject(parsed)) {
    throw validationError(`Target.Input for ${arn} must be a JSON object of request members`);
  }
  return parsed;
}

/** Everything CreateSchedule and UpdateSchedule set, checked. */
function readDefinition(input: JsonInput): ScheduleDefinition {
  const expression = requiredString(input, 'ScheduleExpression', 'scheduleExpression', {
    min: 1,
    max: 256,
  });
  const timezone = optionalString(
    input,
    'ScheduleExpressionTimezone',
    'scheduleExpressionTimezone',
    {
      min: 1,
      max: 50,
    },
  );
  if (timezone !== undefined && !isTimeZone(timezone)) {
    throw validationError(`Invalid ScheduleExpressionTimezone: ${timezone}`);
  }
  const parsed = parseScheduleExpression(expression);
  if (!parsed.ok) throw validationError(`Invalid Schedule Expression ${parsed.reason}`);
  const window = readFlexibleTimeWindow(input);
  const target = readTarget(input);
  const state = optionalEnum(input, 'State', scheduleStates) ?? 'ENABLED';
  const action = optionalEnum(input, 'ActionAfterCompletion', completionActions) ?? 'NONE';
  const description = optionalString(input, 'Description', 'description', { min: 0, max: 512 });
  const kmsKeyArn = optionalString(input, 'KmsKeyArn', 'kmsKeyArn', {
    min: 1,
    max: 2048,
    pattern: kmsKeyArnPattern,
  });
  // StartDate and EndDate are kept and echoed; AWS ignores both for one-time schedules.
  const startDate = optionalTimestamp(input, 'StartDate');
  const endDate = optionalTimestamp(input, 'EndDate');
  if (startDate !== undefined && endDate !== undefined && endDate <= startDate) {
    throw validationError('The EndDate must be after the StartDate');
  }
  const dueAt =
    parsed.value.kind === 'at'
      ? wallClockToUtc(parsed.value.wallClock, timezone ?? 'UTC')
      : undefined;
  return {
    echo: compact({
      ActionAfterCompletion: action,
      Description: description,
      EndDate: endDate,
      FlexibleTimeWindow: window,
      KmsKeyArn: kmsKeyArn,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: timezone,
      StartDate: startDate,
      State: state,
      Target: target.echo,
    }),
    state,
    actionAfterCompletion: action,
    dueAt,
    ...target.definition,
  };
}

function readTags(input: JsonInput): ScheduleGroupRecord['tags'] {
  const tags = input.optObjectList('Tags') ?? [];
  if (tags.length > 200) throw validationError('Tags must hold at most 200 tags');
  return tags.map((tag) => ({
    Key: requiredString(tag, 'Key', 'tags.member.key', { min: 1, max: 128 }),
    Value: requiredString(tag, 'Value', 'tags.member.value', { min: 1, max: 256 }),
  }));
}

function groupView(group: ScheduleGroupRecord): JsonObject {
  return {
    Arn: group.arn,
    CreationDate: epochSeconds(group.createdAt),
    LastModificationDate: epochSeconds(group.lastModifiedAt),
    Name: group.name,
    // Deletion is immediate here, so a group is never seen DELETING.
    State: 'ACTIVE',
  };
}

function scheduleView(schedule: ScheduleRecord): JsonObject {
  return {
    ...schedule.definition.echo,
    Arn: schedule.arn,
    CreationDate: epochSeconds(schedule.createdAt),
    GroupName: schedule.groupName,
    LastModificationDate: epochSeconds(schedule.lastModifiedAt),
    Name: schedule.name,
  };
}

function scheduleSummary(schedule: ScheduleRecord): JsonObject {
  return {
    Arn: schedule.arn,
    CreationDate: epochSeconds(schedule.createdAt),
    GroupName: schedule.groupName,
    LastModificationDate: epochSeconds(schedule.lastModifiedAt),
    Name: schedule.name,
    State: schedule.definition.state,
    Target: { Arn: schedule.definition.target.arn },
  };
}

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const prefixRule: StringRule = { min: 1, max: 64, pattern: namePattern };

export const schedulerHandlers = {
  CreateScheduleGroup: (input, context) => {
    const name = requiredString(input, 'Name', 'name', nameRule);
    return idempotent(context, 'CreateScheduleGroup', input, name, () => {
      const { scheduler, now } = context;
      if (scheduler.groups.has(name)) throw conflictError(`Schedule group ${name} already exists.`);
      if (scheduler.groups.size >= maxScheduleGroups) {
        throw quotaError(`An account can have at most ${maxScheduleGroups} schedule groups.`);
      }
      const group = newScheduleGroup(scheduler.accountId, name, now, readTags(input));
      scheduler.groups.set(name, group);
      return { ScheduleGroupArn: group.arn };
    });
  },

  GetScheduleGroup: (input, { scheduler }) =>
    groupView(requireGroup(scheduler, requiredString(input, 'Name', 'name', nameRule))),

  DeleteScheduleGroup: (input, context) => {
    const name = requiredString(input, 'Name', 'name', nameRule);
    return idempotent(context, 'DeleteScheduleGroup', input, name, () => {
      const { scheduler } = context;
      // Unverified: AWS does not document deleting `default`; refusing it is the safe reading.
      if (name === defaultGroupName)
        throw validationError('The default schedule group cannot be deleted.');
      requireGroup(scheduler, name);
      // AWS deletes the group's schedules too, passing through DELETING (eventually
      // consistent); here both go at once.
      for (const [key, schedule] of scheduler.schedules) {
        if (schedule.groupName === name) scheduler.schedules.delete(key);
      }
      scheduler.groups.delete(name);
      return {};
    });
  },

  ListScheduleGroups: (input, { scheduler }) => {
    const prefix = optionalString(input, 'NamePrefix', 'namePrefix', prefixRule);
    const groups = [...scheduler.groups.values()]
      .filter((g) => prefix === undefined || g.name.startsWith(prefix))
      .sort(byName);
    const page = paginate(groups, input, `ListScheduleGroups:${prefix ?? ''}`);
    return compact({ ScheduleGroups: page.items.map(groupView), NextToken: page.nextToken });
  },

  CreateSchedule: (input, context) => {
    const name = scheduleName(input);
    const groupName = groupNameOf(input);
    const key = scheduleKey(groupName, name);
    return idempotent(context, 'CreateSchedule', input, key, () => {
      const { scheduler, now } = context;
      requireGroup(scheduler, groupName);
      if (scheduler.schedules.has(key)) throw conflictError(`Schedule ${name} already exists.`);
      const arn = scheduleArn(scheduler.accountId, groupName, name);
      scheduler.schedules.set(key, {
        name,
        groupName,
        arn,
        createdAt: now,
        lastModifiedAt: now,
        definition: readDefinition(input),
        firedAt: undefined,
      });
      return { ScheduleArn: arn };
    });
  },

  GetSchedule: (input, { scheduler }) =>
    scheduleView(requireSchedule(scheduler, groupNameOf(input), scheduleName(input))),

  UpdateSchedule: (input, context) => {
    const name = scheduleName(input);
    const groupName = groupNameOf(input);
    return idempotent(context, 'UpdateSchedule', input, scheduleKey(groupName, name), () => {
      const schedule = requireSchedule(context.scheduler, groupName, name);
      // UpdateSchedule replaces every setting ("if you do not set an optional field in your
      // request, that field will be set to its system-default value"), and a new time arms
      // a one-time schedule that has already fired.
      schedule.definition = readDefinition(input);
      schedule.lastModifiedAt = context.now;
      schedule.firedAt = undefined;
      return { ScheduleArn: schedule.arn };
    });
  },

  DeleteSchedule: (input, context) => {
    const name = scheduleName(input);
    const groupName = groupNameOf(input);
    const key = scheduleKey(groupName, name);
    return idempotent(context, 'DeleteSchedule', input, key, () => {
      requireSchedule(context.scheduler, groupName, name);
      context.scheduler.schedules.delete(key);
      return {};
    });
  },

  ListSchedules: (input, { scheduler }) => {
    const groupName = optionalString(input, 'GroupName', 'groupName', nameRule);
    if (groupName !== undefined) requireGroup(scheduler, groupName);
    const prefix = optionalString(input, 'NamePrefix', 'namePrefix', prefixRule);
    const state = optionalEnum(input, 'State', scheduleStates);
    const schedules = [...scheduler.schedules.values()]
      .filter((s) => groupName === undefined || s.groupName === groupName)
      .filter((s) => prefix === undefined || s.name.startsWith(prefix))
      .filter((s) => state === undefined || s.definition.state === state)
      .sort((a, b) => byName(a, b) || byName({ name: a.groupName }, { name: b.groupName }));
    const page = paginate(
      schedules,
      input,
      `ListSchedules:${groupName ?? ''}:${prefix ?? ''}:${state ?? ''}`,
    );
    return compact({ Schedules: page.items.map(scheduleSummary), NextToken: page.nextToken });
  },
} satisfies Readonly<Record<string, SchedulerHandler>>;

export type SchedulerOperation = keyof typeof schedulerHandlers;
