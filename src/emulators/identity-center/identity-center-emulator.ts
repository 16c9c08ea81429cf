// The emulator without its HTTP server: state, the AWS JSON 1.1 request pipeline (count,
// latency, settle async operations and fire due schedules, throttle, inject faults,
// dispatch), the EventBridge Scheduler restJson1 pipeline, and the session authority.
// `startIdentityCenterEmulator` puts it behind node:http.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsError, serializationError } from './aws-error.js';
import { CallStats, type CallStatsSnapshot } from './call-stats.js';
import { dispatchTable, targetPrefixes, type DispatchEntry } from './dispatch-table.js';
import {
  createEmulatorState,
  defaultSeed,
  type EmulatorSeed,
  type EmulatorState,
  type SessionRecord,
} from './emulator-state.js';
import { FaultInjector, type FaultSpec } from './fault-injector.js';
import { fireDueSchedules } from './fire-schedules.js';
import { isJsonObject, JsonInput, type JsonObject } from './json-input.js';
import {
  evaluateSession,
  issueSession,
  type EvaluateRequest,
  type IssueSessionRequest,
  type IssueSessionResult,
  type SessionDecision,
} from './session-authority.js';
import {
  matchSchedulerRoute,
  restJsonError,
  restJsonResponse,
  schedulerInput,
  unknownSchedulerOperation,
} from './scheduler-routes.js';
import { failureOf, type InvocationOutcome } from './scheduler-state.js';
import { settleOperations } from './settle-operations.js';
import { TokenBucket } from './token-bucket.js';
import type { UniversalTarget } from './universal-targets.js';

export interface ThrottleOptions {
  /** Requests a second across sso-admin and identitystore together (default 20). */
  readonly ratePerSecond?: number;
  /** Bucket size (default: the rate). */
  readonly burst?: number;
  /** Outstanding CreateAccountAssignment calls allowed (default 10). */
  readonly maxOutstandingCreates?: number;
  /** Requests a second to each SCIM read API (GET), in its own bucket (default 40). */
  readonly scimReadsPerSecond?: number;
  /** Requests a second to each SCIM write API (POST, PUT, PATCH, DELETE), in its own bucket
   *  (default 25). */
  readonly scimWritesPerSecond?: number;
}

/** How a call answered outside the AWS JSON pipeline (the SCIM endpoint) ended. */
export type ExternalCallOutcome = 'ok' | 'throttled' | 'faulted' | 'error';

export interface IdentityCenterEmulatorOptions {
  /** Milliseconds since the epoch; drives async statuses, throttling and sessions. */
  readonly clock?: () => number;
  /** How long CreateAccountAssignment & co. stay IN_PROGRESS (default 200 ms). */
  readonly assignmentDelayMs?: number;
  /** Throttling settings, or false to turn throttling off. */
  readonly throttle?: ThrottleOptions | false;
  readonly faults?: Readonly<Record<string, FaultSpec>>;
  /** Randomness for fault injection, in [0, 1). */
  readonly random?: () => number;
  readonly seed?: EmulatorSeed;
}

export interface EmulatorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const jsonContentType = 'application/x-amz-json-1.1';

/** AWS IAM Identity Center (sso-admin, identitystore) and Organizations, in memory. */
export class IdentityCenterEmulator {
  state: EmulatorState;
  readonly faults: FaultInjector;
  readonly clock: () => number;
  private readonly stats = new CallStats();
  private readonly seed: EmulatorSeed;
  private readonly assignmentDelayMs: number;
  private readonly bucket: TokenBucket | undefined;
  private readonly maxOutstandingCreates: number;
  private readonly scimRates: { readonly read: number; readonly write: number } | undefined;
  /** One bucket per SCIM API (`GET Users/{id}`, `PATCH Groups/{id}`, ...), made on first use. */
  private readonly scimBuckets = new Map<string, TokenBucket>();

  /** Added to the clock by `POST /_emulator/clock` (a test moving time for a separate
   *  emulator process, e.g. to let schedules fall due). */
  private clockOffset = 0;

  constructor(options: IdentityCenterEmulatorOptions = {}) {
    const base = options.clock ?? Date.now;
    this.clock = () => base() + this.clockOffset;
    this.seed = options.seed ?? defaultSeed;
    this.state = createEmulatorState(this.seed, this.clock());
    this.assignmentDelayMs = options.assignmentDelayMs ?? 200;
    this.faults = new FaultInjector(options.faults ?? {}, options.random ?? Math.random);
    const throttle = options.throttle;
    if (throttle === false) {
      this.bucket = undefined;
      this.maxOutstandingCreates = Number.POSITIVE_INFINITY;
      this.scimRates = undefined;
    } else {
      const rate = throttle?.ratePerSecond ?? 20;
      this.bucket = new TokenBucket(
        { ratePerSecond: rate, burst: throttle?.burst ?? rate },
        this.clock,
      );
      this.maxOutstandingCreates = throttle?.maxOutstandingCreates ?? 10;
      this.scimRates = {
        read: throttle?.scimReadsPerSecond ?? 40,
        write: throttle?.scimWritesPerSecond ?? 25,
      };
    }
  }

  /** The full X-Amz-Target of every operation the emulator answers. */
  static operations(): string[] {
    return [...dispatchTable.keys()];
  }

  /**
   * Brings the world up to the clock: completes the asynchronous operations whose delay has
   * passed and fires the schedules that are due. Every request does this first; call it to
   * observe the world without making one.
   */
  /** Moves the emulator's clock forward by `ms` and settles what fell due. */
  advanceClock(ms: number): number {
    this.clockOffset += Math.max(0, ms);
    this.settle();
    return this.clock();
  }

  settle(now = this.clock()): void {
    settleOperations(this.state, now);
    const fired = fireDueSchedules(this.state.scheduler, now, (target, input) =>
      this.invokeTarget(target, input, now),
    );
    // A fired call may start an operation that is already due (a zero delay).
    if (fired.length > 0) settleOperations(this.state, now);
  }

  /**
   * Answers one EventBridge Scheduler request (already authenticated by the HTTP layer).
   * Counted in `calls()` as `Scheduler.<Operation>`, never toward the IdC request peak;
   * faults apply when set under that name or `Scheduler.*` (not `*`, which is IdC's), and
   * there is no throttling.
   */
  async handleScheduler(method: string, url: string, body: string): Promise<EmulatorResponse> {
    const { pathname, searchParams } = new URL(url, 'http://emulator.invalid');
    const match = matchSchedulerRoute(method, pathname);
    if (match === undefined) return unknownSchedulerOperation(method, pathname);
    const operation = `Scheduler.${match.route.operation}`;
    this.stats.received(operation, this.clock(), false);
    const faultKey = this.faults.list()[operation] !== undefined ? operation : 'Scheduler.*';
    const spec = this.faults.list()[faultKey];
    try {
      if (spec?.latencyMs !== undefined && spec.latencyMs > 0) await sleep(spec.latencyMs);
      const now = this.clock();
      this.settle(now);
      const input = schedulerInput(match, searchParams, body);
      const injected = spec === undefined ? undefined : this.faults.error(faultKey);
      if (injected !== undefined) {
        this.stats.faulted(operation);
        throw injected;
      }
      return restJsonResponse(match.route.handler(input, { scheduler: this.state.scheduler, now }));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      this.stats.failed(operation);
      return restJsonError(error);
    }
  }

  /**
   * What a schedule's universal target does: the emulator's own handler for the operation,
   * with the schedule's Input as the request. Faults set on that operation (or `*`) apply,
   * as they would to any caller of the service; the token bucket does not (Scheduler's
   * calls are not the product's).
   */
  private invokeTarget(target: UniversalTarget, input: JsonObject, now: number): InvocationOutcome {
    const entry = dispatchTable.get(`${targetPrefixes[target.service]}.${target.operation}`);
    if (entry === undefined) throw new Error(`No handler for universal target ${target.arn}`);
    const injected = this.faults.error(entry.operation);
    if (injected !== undefined) return failureOf(injected);
    try {
      const output = entry.handler(new JsonInput(input), {
        state: this.state,
        now,
        statusDelayMs: this.faults.spec(entry.operation)?.statusDelayMs ?? this.assignmentDelayMs,
        maxOutstandingCreates: this.maxOutstandingCreates,
      });
      return { status: 'SUCCEEDED', output };
    } catch (error) {
      if (error instanceof AwsError) return failureOf(error);
      throw error;
    }
  }

  /** Answers one AWS JSON 1.1 request (already authenticated by the HTTP layer). */
  async handle(target: string | undefined, body: string): Promise<EmulatorResponse> {
    const entry = target === undefined ? undefined : dispatchTable.get(target);
    if (entry === undefined) {
      return errorResponse(
        new AwsError(
          'UnknownOperationException',
          `Unknown operation ${target ?? '(no X-Amz-Target)'}`,
        ),
      );
    }
    const op = entry.operation;
    this.stats.received(op, this.clock(), entry.service !== 'organizations');
    try {
      const input = parseBody(body);
      const spec = this.faults.spec(op);
      if (spec?.latencyMs !== undefined && spec.latencyMs > 0) await sleep(spec.latencyMs);
      return {
        status: 200,
        headers: baseHeaders(),
        body: JSON.stringify(this.execute(entry, input, spec)),
      };
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      this.stats.failed(op);
      if (error.type === 'ThrottlingException' && entry.service === 'identitystore') {
        return errorResponse(
          new AwsError(error.type, error.message, { ...error.fields, RetryAfterSeconds: 1 }),
          {
            'retry-after': '1',
          },
        );
      }
      return errorResponse(error);
    }
  }

  private execute(entry: DispatchEntry, input: JsonInput, spec: FaultSpec | undefined): JsonObject {
    const now = this.clock();
    this.settle(now);
    if (entry.service !== 'organizations' && this.bucket !== undefined && !this.bucket.take()) {
      this.stats.throttled(entry.operation);
      throw new AwsError('ThrottlingException', 'Rate exceeded');
    }
    const injected = this.faults.error(entry.operation);
    if (injected !== undefined) {
      this.stats.faulted(entry.operation);
      throw injected;
    }
    const result = entry.handler(input, {
      state: this.state,
      now,
      statusDelayMs: spec?.statusDelayMs ?? this.assignmentDelayMs,
      maxOutstandingCreates: this.maxOutstandingCreates,
    });
    if (entry.operation === 'CreateAccountAssignment') {
      const outstanding = [...this.state.assignmentOperations.values()].filter(
        (o) => o.kind === 'create' && o.status === 'IN_PROGRESS',
      ).length;
      this.stats.outstandingCreates(outstanding);
    }
    return result;
  }

  /**
   * Takes a token from one SCIM API's own bucket; false means throttle the call. IdC's SCIM
   * APIs do not share the ~20 TPS of sso-admin and identitystore: each has its own limit,
   * 40 TPS for reads and 25 TPS for writes, per identity store (IdC User Guide, "IAM
   * Identity Center throttle limits").
   */
  takeScimToken(api: string, kind: 'read' | 'write'): boolean {
    if (this.scimRates === undefined) return true;
    let bucket = this.scimBuckets.get(api);
    if (bucket === undefined) {
      const rate = this.scimRates[kind];
      bucket = new TokenBucket({ ratePerSecond: rate, burst: rate }, this.clock);
      this.scimBuckets.set(api, bucket);
    }
    return bucket.take();
  }

  /** Counts a call answered outside the AWS JSON pipeline, so `calls()` shows it too. Such
   *  calls never count toward `peakRequestsPerSecond` (sso-admin and identitystore only). */
  recordExternalCall(operation: string, outcome: ExternalCallOutcome): void {
    this.stats.received(operation, this.clock(), false);
    switch (outcome) {
      case 'ok':
        return;
      case 'throttled':
        this.stats.throttled(operation);
        break;
      case 'faulted':
        this.stats.faulted(operation);
        break;
      case 'error':
        break;
    }
    this.stats.failed(operation);
  }

  calls(): CallStatsSnapshot {
    return this.stats.snapshot();
  }

  resetCalls(): void {
    this.stats.reset();
  }

  /** Back to the seed: a new instance, identity store and organization; counters and faults cleared. */
  resetAll(): void {
    this.state = createEmulatorState(this.seed, this.clock());
    this.stats.reset();
    this.faults.clear();
  }

  /** Issues a role session at `at` (default now) if the user holds the access then. */
  issueSession(request: IssueSessionRequest, at = this.clock()): IssueSessionResult {
    this.settle();
    return issueSession(this.state, request, at);
  }

  session(sessionId: string): SessionRecord | undefined {
    return this.state.sessions.get(sessionId);
  }

  /** Whether a call made with the session at `at` (default now) is allowed. */
  evaluateSession(
    sessionId: string,
    at = this.clock(),
    request: EvaluateRequest = {},
  ): SessionDecision | undefined {
    this.settle();
    const session = this.state.sessions.get(sessionId);
    return session === undefined ? undefined : evaluateSession(this.state, session, at, request);
  }
}

function baseHeaders(): Record<string, string> {
  return { 'content-type': jsonContentType, 'x-amzn-requestid': randomUUID() };
}

export function errorResponse(
  error: AwsError,
  extraHeaders: Readonly<Record<string, string>> = {},
): EmulatorResponse {
  return {
    status: error.status,
    headers: { ...baseHeaders(), 'x-amzn-errortype': error.type, ...extraHeaders },
    body: JSON.stringify({
      __type: error.type,
      message: error.message,
      Message: error.message,
      ...error.fields,
    }),
  };
}

function parseBody(body: string): JsonInput {
  if (body.trim() === '') return new JsonInput({});
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw serializationError('The request body is not valid JSON');
  }
  if (!isJsonObject(parsed)) throw serializationError('The request body must be a JSON object');
  return new JsonInput(parsed);
}
