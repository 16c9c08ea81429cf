// Per-operation fault injection: latency, and a share of calls answered with 429 (with
// Retry-After), 500 or 503 instead of being executed. Operations are named as in the call
// counts (`GET /users`, `POST /token`) or `*` for all; a named entry wins over `*`.

export const entraFaultKinds = [
  'TooManyRequests',
  'InternalServerError',
  'ServiceUnavailable',
] as const;
export type EntraFaultKind = (typeof entraFaultKinds)[number];

export interface EntraFaultSpec {
  /** Delay before the answer, in real milliseconds. */
  readonly latencyMs?: number;
  /** Share of calls (0..1) answered with `errorKind` instead of being executed. */
  readonly errorRate?: number;
  /** Default `InternalServerError`. */
  readonly errorKind?: EntraFaultKind;
  /** Retry-After for injected 429 and 503 answers (default 1). */
  readonly retryAfterSeconds?: number;
}

export interface InjectedFault {
  readonly status: 429 | 500 | 503;
  readonly kind: EntraFaultKind;
  readonly retryAfterSeconds: number;
}

export class FaultInjector {
  readonly #faults = new Map<string, EntraFaultSpec>();
  readonly #random: () => number;

  constructor(random: () => number) {
    this.#random = random;
  }

  /** Sets or (with null) clears the fault of one operation; throws RangeError on a bad spec. */
  set(operation: string, spec: EntraFaultSpec | null): void {
    if (spec === null) {
      this.#faults.delete(operation);
      return;
    }
    const problem = faultSpecProblem(spec);
    if (problem !== undefined) throw new RangeError(problem);
    this.#faults.set(operation, spec);
  }

  clear(): void {
    this.#faults.clear();
  }

  list(): Record<string, EntraFaultSpec> {
    return Object.fromEntries(this.#faults);
  }

  spec(operation: string): EntraFaultSpec | undefined {
    return this.#faults.get(operation) ?? this.#faults.get('*');
  }

  /** The fault to answer this call with, if the dice say so. */
  roll(operation: string): InjectedFault | undefined {
    const spec = this.spec(operation);
    const rate = spec?.errorRate ?? 0;
    if (spec === undefined || rate <= 0 || this.#random() >= rate) return undefined;
    const kind = spec.errorKind ?? 'InternalServerError';
    const status = kind === 'TooManyRequests' ? 429 : kind === 'ServiceUnavailable' ? 503 : 500;
    return { status, kind, retryAfterSeconds: spec.retryAfterSeconds ?? 1 };
  }
}

/** What is wrong with a fault spec, or undefined when it is usable. */
export function faultSpecProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'a fault must be an object {latencyMs?, errorRate?, errorKind?, retryAfterSeconds?}';
  const v = value as Record<string, unknown>;
  const known = ['latencyMs', 'errorRate', 'errorKind', 'retryAfterSeconds'];
  const unknown = Object.keys(v).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    return `unknown fault field ${unknown.join(', ')}; use ${known.join(', ')}`;
  const nonNegative = (x: unknown): boolean =>
    x === undefined || (typeof x === 'number' && Number.isFinite(x) && x >= 0);
  if (!nonNegative(v.latencyMs)) return 'latencyMs must be a number >= 0';
  if (!nonNegative(v.retryAfterSeconds)) return 'retryAfterSeconds must be a number >= 0';
  if (!(
    v.errorRate === undefined ||
    (typeof v.errorRate === 'number' && v.errorRate >= 0 && v.errorRate <= 1)
  ))
    return 'errorRate must be a number in 0..1';
  if (v.errorKind !== undefined && !entraFaultKinds.some((k) => k === v.errorKind))
    return `errorKind must be one of ${entraFaultKinds.join(', ')}`;
  return undefined;
}
