// An AccessTarget held in memory (optionally persisted to a JSON file by a subclass).
// It behaves as the contract demands: idempotent operations, optional asynchronous
// completion (`pendingPolls`), and listing by scope. Used by tests, benchmarks and the
// sandbox until the Identity Center emulator takes over.
import { entitlementKey, type Entitlement } from '../../core/grant.js';
import type { AccessTarget, TargetOperation, TargetScope } from '../../ports/access-target.js';
import type { Clock } from '../../ports/clock.js';

export interface InMemoryAccessTargetOptions {
  readonly clock: Clock;
  /** How many `poll` calls an operation stays pending; 0 completes at once. */
  readonly pendingPolls?: number;
  /** Initial holdings, e.g. from a file. */
  readonly initial?: readonly Entitlement[];
}

interface PendingOperation {
  readonly action: 'grant' | 'revoke';
  readonly entitlement: Entitlement;
  pollsLeft: number;
}

export class InMemoryAccessTarget implements AccessTarget {
  readonly name: string = 'in-memory';
  readonly #held = new Map<string, Entitlement>();
  readonly #pending = new Map<string, PendingOperation>();
  readonly #clock: Clock;
  readonly #pendingPolls: number;
  #nextOperation = 0;
  /** Counts of calls per operation, for tests and benchmarks. */
  readonly calls = { grant: 0, revoke: 0, poll: 0, list: 0 };

  constructor(options: InMemoryAccessTargetOptions) {
    this.#clock = options.clock;
    this.#pendingPolls = options.pendingPolls ?? 0;
    for (const entitlement of options.initial ?? [])
      this.#held.set(entitlementKey(entitlement), entitlement);
  }

  grant(entitlement: Entitlement): Promise<TargetOperation> {
    this.calls.grant += 1;
    this.refresh();
    return Promise.resolve(this.#start('grant', entitlement));
  }

  revoke(entitlement: Entitlement): Promise<TargetOperation> {
    this.calls.revoke += 1;
    this.refresh();
    return Promise.resolve(this.#start('revoke', entitlement));
  }

  poll(operationId: string): Promise<TargetOperation> {
    this.calls.poll += 1;
    const operation = this.#pending.get(operationId);
    if (!operation) {
      return Promise.resolve({
        state: 'failed',
        retryable: false,
        code: 'UnknownOperation',
        message: `no operation ${operationId} is in flight; issue the grant or revoke again`,
      });
    }
    operation.pollsLeft -= 1;
    this.refresh();
    if (operation.pollsLeft > 0) return Promise.resolve({ state: 'pending', operationId });
    this.#pending.delete(operationId);
    return Promise.resolve(this.#apply(operation.action, operation.entitlement));
  }

  list(scope: TargetScope): Promise<readonly Entitlement[]> {
    this.calls.list += 1;
    this.refresh();
    const groups = new Set(scope.groups);
    const assignments = new Set(
      scope.assignments.flatMap((a) =>
        a.accounts.map((account) => `${a.permissionSet}:${account}`),
      ),
    );
    return Promise.resolve(
      [...this.#held.values()].filter((e) =>
        e.kind === 'group-membership'
          ? groups.has(e.group)
          : assignments.has(`${e.permissionSet}:${e.account}`),
      ),
    );
  }

  /** Everything held, regardless of scope (tests and the sandbox view). */
  snapshot(): readonly Entitlement[] {
    return [...this.#held.values()];
  }

  /** Replaces the holdings (a subclass reloading them from elsewhere). */
  protected replaceHoldings(entitlements: readonly Entitlement[]): void {
    this.#held.clear();
    for (const entitlement of entitlements)
      this.#held.set(entitlementKey(entitlement), entitlement);
  }

  /** Called before every operation; subclasses reload shared holdings here. */
  protected refresh(): void {
    // in memory only
  }

  /** Puts an entitlement in place as someone outside JIT Access would (drift). */
  plant(entitlement: Entitlement): void {
    this.refresh();
    this.#held.set(entitlementKey(entitlement), entitlement);
    this.changed();
  }

  /** Called after every change of holdings; subclasses persist here. */
  protected changed(): void {
    // in memory only
  }

  #start(action: 'grant' | 'revoke', entitlement: Entitlement): TargetOperation {
    if (this.#pendingPolls === 0) return this.#apply(action, entitlement);
    // An operation already in flight for the same key and action is joined, not repeated.
    for (const [id, op] of this.#pending) {
      if (op.action === action && entitlementKey(op.entitlement) === entitlementKey(entitlement)) {
        return { state: 'pending', operationId: id };
      }
    }
    this.#nextOperation += 1;
    const operationId = `op-${this.#nextOperation}`;
    this.#pending.set(operationId, { action, entitlement, pollsLeft: this.#pendingPolls });
    return { state: 'pending', operationId };
  }

  #apply(action: 'grant' | 'revoke', entitlement: Entitlement): TargetOperation {
    const key = entitlementKey(entitlement);
    if (action === 'grant') this.#held.set(key, entitlement);
    else this.#held.delete(key);
    this.changed();
    return { state: 'done', confirmedAt: this.#clock.now() };
  }
}
