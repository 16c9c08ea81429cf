// Per-operation fault injection: latency, an error rate with the error to answer, and a
// slower asynchronous status. Operations are named as in the API (`CreateAccountAssignment`)
// or `*` for every operation; a named entry wins over `*`.

import { AwsError } from './aws-error.js';

export const faultErrorKinds = [
  'ThrottlingException',
  'InternalServerException',
  'ConflictException',
  'AccessDeniedException',
  'ServiceUnavailable',
] as const;
export type FaultErrorKind = (typeof faultErrorKinds)[number];

export interface FaultSpec {
  /** Delay before the answer, in real milliseconds. */
  readonly latencyMs?: number;
  /** Share of calls (0..1) answered with `errorKind` instead of being executed. */
  readonly errorRate?: number;
  readonly errorKind?: FaultErrorKind;
  /** Overrides the asynchronous status delay for operations started by this call. */
  readonly statusDelayMs?: number;
}

export class FaultInjector {
  private readonly faults = new Map<string, FaultSpec>();
  private readonly random: () => number;

  constructor(initial: Readonly<Record<string, FaultSpec>>, random: () => number) {
    this.random = random;
    for (const [operation, spec] of Object.entries(initial)) this.set(operation, spec);
  }

  set(operation: string, spec: FaultSpec | null): void {
    if (spec === null) {
      this.faults.delete(operation);
      return;
    }
    const rate = spec.errorRate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`errorRate must be in 0..1, got ${rate}`);
    if (spec.latencyMs !== undefined && !(spec.latencyMs >= 0))
      throw new RangeError('latencyMs must be >= 0');
    if (spec.errorKind !== undefined && !faultErrorKinds.includes(spec.errorKind)) {
      throw new RangeError(`errorKind must be one of ${faultErrorKinds.join(', ')}`);
    }
    this.faults.set(operation, spec);
  }

  clear(): void {
    this.faults.clear();
  }

  list(): Record<string, FaultSpec> {
    return Object.fromEntries(this.faults);
  }

  spec(operation: string): FaultSpec | undefined {
    return this.faults.get(operation) ?? this.faults.get('*');
  }

  /** The injected error for this call, if the dice say so. */
  error(operation: string): AwsError | undefined {
    const spec = this.spec(operation);
    if (spec?.errorRate === undefined || spec.errorRate === 0 || this.random() >= spec.errorRate)
      return undefined;
    const kind = spec.errorKind ?? 'InternalServerException';
    const message = `Injected fault on ${operation}`;
    switch (kind) {
      case 'ServiceUnavailable':
        return new AwsError('ServiceUnavailableException', message);
      case 'ThrottlingException':
      case 'InternalServerException':
      case 'ConflictException':
      case 'AccessDeniedException':
        return new AwsError(kind, message);
    }
  }
}

export function isFaultSpec(value: unknown): value is FaultSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const num = (x: unknown): boolean =>
    x === undefined || (typeof x === 'number' && Number.isFinite(x));
  return (
    num(v.latencyMs) &&
    num(v.errorRate) &&
    num(v.statusDelayMs) &&
    (v.errorKind === undefined || faultErrorKinds.some((k) => k === v.errorKind))
  );
}
