// The shape every emulated AWS operation has: a checked request in, a JSON object out (or
// an AwsError thrown), with the emulator's state and the current time.

import type { EmulatorState } from './emulator-state.js';
import type { JsonInput, JsonObject, JsonValue } from './json-input.js';

export interface OperationContext {
  readonly state: EmulatorState;
  /** Milliseconds since the epoch, from the emulator's injected clock. */
  readonly now: number;
  /** How long an asynchronous operation started by this call stays IN_PROGRESS. */
  readonly statusDelayMs: number;
  /** Outstanding CreateAccountAssignment calls above which the service throttles. */
  readonly maxOutstandingCreates: number;
}

export type OperationHandler = (input: JsonInput, context: OperationContext) => JsonObject;

export type HandlerTable = Readonly<Record<string, OperationHandler>>;

/** Drops undefined members so the result is plain JSON. */
export function compact(members: Readonly<Record<string, JsonValue | undefined>>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(members)) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** AWS JSON 1.1 timestamps are epoch seconds. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}
