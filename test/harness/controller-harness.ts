// Shared wiring for the controller and workflow tests (not part of the product surface): a
// real SQLite store in a temporary directory, the in-memory target, a settable clock, an
// injected `random`, and a `sleep` that returns at once and records what it was asked for.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryAccessTarget } from '../../src/adapters/memory/in-memory-access-target.js';
import type { AuditEntry } from '../../src/audit/audit-entry.js';
import { verifyAudit, type VerifyAuditResult } from '../../src/audit/verify-audit.js';
import type { Entitlement, Grant } from '../../src/core/grant.js';
import type { Principal } from '../../src/core/principal.js';
import type { Role } from '../../src/core/role.js';
import { person, T0, testRole } from './core-fixtures.js';
import type { AccessTarget, TargetOperation, TargetScope } from '../../src/ports/access-target.js';
import { SettableClock } from '../../src/ports/clock.js';
import { SequentialIds } from '../../src/ports/ids.js';
import { silentLogger } from '../../src/ports/logger.js';
import { NoopSessionRevoker, type SessionRevoker } from '../../src/ports/session-revoker.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { WorkflowService } from '../../src/workflow/workflow-service.js';
import { Reconciler, type ReconcilerOptions } from '../../src/controller/reconciler.js';
import type { ExpiryFailSafe } from '../../src/ports/expiry-fail-safe.js';

export const ALICE = 'alice@example.com';
export const DAVE = 'dave@example.com';

/** Roles that need no approval, so that a request is active at once. */
export function harnessRoles(): Map<string, Role> {
  const open = { required: false, approvers: { users: [], groups: [] }, quorum: 1 };
  const roles: Role[] = [
    testRole(
      { name: 'prod-admin', group: 'JIT-prod-admin', drift: 'report' },
      { approval: { ...open, allowSelfApproval: false }, requireMfa: false },
    ),
    testRole(
      { name: 'enforced', group: 'JIT-enforced', drift: 'enforce' },
      { approval: { ...open, allowSelfApproval: false }, requireMfa: false },
    ),
    testRole(
      {
        name: 'ops',
        enforcement: 'account-assignment',
        group: 'unused',
        permissionSet: 'OpsAccess',
        accounts: ['111111111111', '222222222222', '333333333333'],
      },
      { approval: { ...open, allowSelfApproval: false }, requireMfa: false },
    ),
  ];
  return new Map(roles.map((r) => [r.name, r]));
}

export function member(id: string, groups: readonly string[] = []): Principal {
  return person(id, { groups, authTime: T0 });
}

export function membership(user: string, group = 'JIT-prod-admin'): Entitlement {
  return { kind: 'group-membership', group, user };
}

export function assignment(
  user: string,
  account: string,
  permissionSet = 'OpsAccess',
): Entitlement {
  return { kind: 'account-assignment', permissionSet, account, user };
}

export interface HarnessOptions {
  readonly roles?: Map<string, Role>;
  readonly pendingPolls?: number;
  /** Wraps the in-memory target, e.g. in a failing decorator. */
  readonly wrap?: (inner: InMemoryAccessTarget) => AccessTarget;
  readonly reconciler?: Partial<ReconcilerOptions>;
  readonly revoker?: SessionRevoker;
  readonly stillEligible?: (grant: Grant) => Promise<boolean>;
  readonly failSafe?: ExpiryFailSafe;
}

export interface Harness {
  readonly dir: string;
  readonly store: Store;
  readonly clock: SettableClock;
  readonly inner: InMemoryAccessTarget;
  readonly target: AccessTarget;
  readonly roles: Map<string, Role>;
  readonly workflow: WorkflowService;
  readonly reconciler: Reconciler;
  /** Every delay the reconciler asked to sleep for, in order. */
  readonly sleeps: number[];
  /** What `random()` returns (tests may change it) and how often it was called. */
  readonly random: { value: number; calls: number };
  /** A new reconciler on the same store and target (a restart, or other roles). */
  readonly newReconciler: (options?: { roles?: Map<string, Role> }) => Reconciler;
  /** Requests a grant that activates at once (the harness roles need no approval). */
  readonly activeGrant: (role?: string, who?: string, duration?: number) => Promise<string>;
  readonly audit: (action?: string) => Promise<readonly AuditEntry[]>;
  readonly verify: () => Promise<VerifyAuditResult>;
  readonly close: () => Promise<void>;
}

export async function openHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'jit-controller-'));
  const store = await openStore({ sqlitePath: join(dir, 'jit.db') });
  const clock = new SettableClock({ fixed: T0 });
  const inner = new InMemoryAccessTarget({
    clock,
    ...(options.pendingPolls === undefined ? {} : { pendingPolls: options.pendingPolls }),
  });
  const target = options.wrap ? options.wrap(inner) : inner;
  const roles = options.roles ?? harnessRoles();
  const sleeps: number[] = [];
  const random = { value: 0.5, calls: 0 };
  const newReconciler = (overrides: { roles?: Map<string, Role> } = {}): Reconciler =>
    new Reconciler({
      store,
      target,
      revoker: options.revoker ?? new NoopSessionRevoker(),
      roles: overrides.roles ?? roles,
      clock,
      random: () => {
        random.calls += 1;
        return random.value;
      },
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      logger: silentLogger,
      ...(options.reconciler ? { options: options.reconciler } : {}),
      ...(options.stillEligible ? { stillEligible: options.stillEligible } : {}),
      ...(options.failSafe ? { failSafe: options.failSafe } : {}),
    });
  const workflow = new WorkflowService({
    store,
    roles,
    admins: { users: ['root@example.com'], groups: [] },
    clock,
    ids: new SequentialIds(),
    logger: silentLogger,
    mfaMaxAge: 3_600_000,
  });
  return {
    dir,
    store,
    clock,
    inner,
    target,
    roles,
    workflow,
    sleeps,
    random,
    reconciler: newReconciler(),
    newReconciler,
    activeGrant: async (role = 'prod-admin', who = ALICE, duration = 3_600_000) => {
      const result = await workflow.request(member(who, ['developers']), {
        role,
        duration,
        justification: 'INC-1',
      });
      if (!result.ok) throw new Error(result.refusal.message);
      if (result.value.grant.status !== 'active')
        throw new Error(`expected an active grant, got ${result.value.grant.status}`);
      return result.value.grant.id;
    },
    audit: (action) => store.queryAudit({ ...(action ? { action } : {}), limit: 10_000 }),
    verify: async () => {
      const head = await store.auditHead();
      return verifyAudit(store.auditEntries(1000, head.seq), head);
    },
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Decides whether a call fails: the failure to return, `'throw'`, or undefined to pass it on. */
export type FailRule = (
  call: 'grant' | 'revoke',
  entitlement: Entitlement,
) => TargetOperation | 'throw' | undefined;

/** An AccessTarget that fails calls as told, then behaves like the target it wraps. */
export class FailingAccessTarget implements AccessTarget {
  readonly name = 'failing';
  readonly #inner: AccessTarget;
  readonly #fail: FailRule;
  /** Calls refused so far. */
  failed = 0;

  constructor(inner: AccessTarget, fail: FailRule) {
    this.#inner = inner;
    this.#fail = fail;
  }

  /** Fails the first `n` grant and revoke calls with a retryable throttling error. */
  static firstCalls(
    inner: AccessTarget,
    n: number,
    how: 'throttle' | 'throw' = 'throttle',
    retryAfterMs?: number,
  ): FailingAccessTarget {
    let left = n;
    return new FailingAccessTarget(inner, () => {
      if (left <= 0) return undefined;
      left -= 1;
      return how === 'throw' ? 'throw' : throttled(retryAfterMs);
    });
  }

  grant(entitlement: Entitlement): Promise<TargetOperation> {
    return this.#call('grant', entitlement, () => this.#inner.grant(entitlement));
  }

  revoke(entitlement: Entitlement): Promise<TargetOperation> {
    return this.#call('revoke', entitlement, () => this.#inner.revoke(entitlement));
  }

  poll(operationId: string): Promise<TargetOperation> {
    return this.#inner.poll(operationId);
  }

  list(scope: TargetScope): Promise<readonly Entitlement[]> {
    return this.#inner.list(scope);
  }

  #call(
    call: 'grant' | 'revoke',
    entitlement: Entitlement,
    pass: () => Promise<TargetOperation>,
  ): Promise<TargetOperation> {
    const failure = this.#fail(call, entitlement);
    if (failure === undefined) return pass();
    this.failed += 1;
    if (failure === 'throw')
      return Promise.reject(new Error('connect ECONNRESET identitystore.amazonaws.com'));
    return Promise.resolve(failure);
  }
}

export function throttled(retryAfterMs?: number): TargetOperation {
  return {
    state: 'failed',
    retryable: true,
    code: 'ThrottlingException',
    message: 'Rate exceeded',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}
