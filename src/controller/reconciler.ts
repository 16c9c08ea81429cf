// One level-triggered reconcile pass: move due grants (start, expire), compute the desired
// entitlements from active grants, read the actual ones from the target, and apply the
// difference. Every item's outcome is returned; a pass never throws for an item.
import type { AuditInput } from '../audit/audit-entry.js';
import { errorMessage } from '../core/error-message.js';
import {
  ENDED_STATUSES,
  entitlementKey,
  grantEntitlements,
  type Entitlement,
  type Grant,
  type Instant,
} from '../core/grant.js';
import { humanDuration } from '../core/duration.js';
import {
  owe,
  revocationMootAt,
  revocationRetryDelay,
  REVOCATION_OVERDUE_AFTER,
  settleAwaiting,
  type OwedRevocation,
} from '../core/owed-revocation.js';
import { SYSTEM_ACTOR } from '../core/principal.js';
import type { Role } from '../core/role.js';
import type { GrantEvent } from '../core/transition.js';
import type { AccessTarget, TargetOperation, TargetScope } from '../ports/access-target.js';
import type { Clock } from '../ports/clock.js';
import { noFaults, type FaultPoints } from '../ports/fault-points.js';
import type { Logger } from '../ports/logger.js';
import type { ExpiryFailSafe } from '../ports/expiry-fail-safe.js';
import type { Metrics } from '../ports/metrics.js';
import type { SessionRevoker } from '../ports/session-revoker.js';
import type { Store, StoredGrant } from '../store/store.js';
import { applyGrantEvent, applyGrantEvents } from '../store/apply-grant-event.js';
import { GroupCommit } from '../store/group-commit.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { HEALTH_LOG } from './health-log.js';
import { KeyedMutex } from './keyed-mutex.js';
import { managedScope } from './managed-scope.js';
import { planReconcile, type PlannedAction } from './plan-reconcile.js';

export interface ReconcilerOptions {
  /** Target actions in flight at once. */
  readonly maxConcurrency: number;
  /** Attempts per action within one pass, counting the first. */
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
  /** Pause between polls of an asynchronous operation. */
  readonly pollIntervalMs: number;
  /** Polls before an operation still pending is left to the next pass. */
  readonly maxPolls: number;
  /** A request still waiting for approval this long is cancelled (it lapses). */
  readonly pendingRequestTtlMs: number;
}

export const defaultReconcilerOptions: ReconcilerOptions = {
  maxConcurrency: 8,
  maxAttempts: 4,
  backoff: { baseMs: 200, maxMs: 10_000 },
  pollIntervalMs: 500,
  maxPolls: 120,
  pendingRequestTtlMs: 24 * 60 * 60_000,
};

export interface ReconcilerDeps {
  readonly store: Store;
  readonly target: AccessTarget;
  readonly revoker: SessionRevoker;
  readonly roles: ReadonlyMap<string, Role>;
  readonly clock: Clock;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: Logger;
  readonly faults?: FaultPoints;
  readonly options?: Partial<ReconcilerOptions>;
  /** Whether the person may still hold the role, asked when a scheduled native grant is due
   *  to start (they may have left the role's eligible members since they asked); a grant
   *  whose answer is false is cancelled instead. Absent: not asked. */
  readonly stillEligible?: (grant: Grant) => Promise<boolean>;
  /** Latencies as access lands and goes (Prometheus in `jit serve`); absent: not recorded. */
  readonly metrics?: Metrics;
  /** Removal armed inside the cloud too (EventBridge Scheduler), for when no controller runs;
   *  absent: the controller is the only one that removes access. */
  readonly failSafe?: ExpiryFailSafe;
}

export type ItemOutcome =
  | {
      readonly key: string;
      readonly action: 'grant' | 'revoke';
      readonly result: 'done';
      readonly attempts: number;
    }
  | {
      readonly key: string;
      readonly action: 'grant' | 'revoke';
      readonly result: 'failed';
      readonly attempts: number;
      readonly retryable: boolean;
      readonly code: string;
      readonly message: string;
    }
  | { readonly key: string; readonly action: 'drift'; readonly result: 'reported' | 'known' }
  | {
      readonly key: string;
      readonly action: 'list';
      readonly result: 'failed';
      readonly message: string;
    };

/** What became of an owed session revocation this pass (one per entitlement and cut-off). */
export interface RevocationItem {
  readonly key: string;
  readonly result: 'done' | 'skipped' | 'failed' | 'lapsed';
  readonly revocations: readonly string[];
  readonly message?: string;
}

export interface ReconcileResult {
  readonly startedAt: Instant;
  readonly finishedAt: Instant;
  /** Grants moved by time (started or expired). */
  readonly transitions: number;
  readonly desired: number;
  readonly actual: number;
  readonly outcomes: readonly ItemOutcome[];
  /** Session revocations carried out (or attempted) this pass. */
  readonly revocations: readonly RevocationItem[];
  /** True when something changed that another pass should look at soon (e.g. a failed grant). */
  readonly again: boolean;
}

interface Desired {
  readonly entitlement: Entitlement;
  readonly grants: StoredGrant[];
}

type Action = PlannedAction<StoredGrant>;

export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #options: ReconcilerOptions;
  readonly #faults: FaultPoints;
  readonly #mutex = new KeyedMutex();
  /** Keys whose actions failed repeatedly: not retried before `notBefore`. */
  readonly #cooldown = new Map<string, { attempts: number; notBefore: Instant }>();
  /** Drift already reported by this process, while it stays in place. */
  readonly #reportedDrift = new Set<string>();
  /** Fail-safe removals armed by this process: entitlement key → the end armed for. */
  readonly #armed = new Map<string, { entitlement: Entitlement; endsAt: Instant }>();
  /** What the pass's parallel actions record (access granted or removed, sessions denied)
   *  commits in groups: a burst of ends costs a commit per batch, not per entitlement. */
  readonly #writes: GroupCommit;
  /** Groups and assignments outside the configured roles that grants pointed at (a role that
   *  left the config), by scope key: listed until no active grant wants anything there and
   *  nothing of ours is left to remove, so that access such a grant had is removed when it
   *  ends, even after a restart. */
  readonly #orphanScope = new Map<string, Entitlement>();
  /** Whether the ended grants in the store were searched for orphaned scope (first pass). */
  #orphansLoaded = false;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#options = { ...defaultReconcilerOptions, ...deps.options };
    this.#faults = deps.faults ?? noFaults;
    this.#writes = new GroupCommit(deps.store);
  }

  /** How long a request may wait for approval: the store's due times depend on it. */
  get pendingRequestTtlMs(): number {
    return this.#options.pendingRequestTtlMs;
  }

  /** The earliest time a key in cooldown may be retried. */
  nextRetryAt(): Instant | undefined {
    let next: Instant | undefined;
    for (const { notBefore } of this.#cooldown.values()) {
      if (next === undefined || notBefore < next) next = notBefore;
    }
    return next;
  }

  async pass(): Promise<ReconcileResult> {
    const { store, target, clock } = this.#deps;
    const startedAt = clock.now();
    const transitions = await this.#advanceDueGrants(startedAt);

    const desired = new Map<string, Desired>();
    for (const stored of await store.activeGrants()) {
      for (const entitlement of grantEntitlements(stored.grant)) {
        const key = entitlementKey(entitlement);
        const entry = desired.get(key);
        if (entry) entry.grants.push(stored);
        else desired.set(key, { entitlement, grants: [stored] });
      }
    }

    const wanted = [...desired.values()].map((d) => d.entitlement);
    await this.#rememberOrphanScope(wanted);
    const open = await store.openRevocations();
    const listedAt = clock.now();
    let actualList: readonly Entitlement[];
    try {
      actualList = await target.list(this.#scope([...wanted, ...open.map((r) => r.entitlement)]));
    } catch (error) {
      const message = errorMessage(error);
      this.#deps.logger.error(
        { target: target.name, err: message },
        'could not list the target; will retry',
      );
      // Revocations whose removal is confirmed need no listing: carry them out anyway.
      const revocations = await this.#carryOut(open);
      return {
        startedAt,
        finishedAt: clock.now(),
        transitions,
        desired: desired.size,
        actual: 0,
        outcomes: [{ key: '*', action: 'list', result: 'failed', message }],
        revocations,
        again: true,
      };
    }
    const actual = new Map(actualList.map((e) => [entitlementKey(e), e]));
    const owed = await this.#settleAwaiting(open, desired, actual, listedAt);

    const extra = [...actual].filter(([key]) => !desired.has(key));
    const owners =
      extra.length === 0
        ? new Map<string, Grant>()
        : await this.#lastEndedGrants(extra.map(([, e]) => e.user));
    // Removals ordered outside any grant (an incident) go whatever the role's drift mode.
    const ordered = new Map<string, string>();
    for (const revocation of owed) {
      if (revocation.status === 'awaiting_removal' && revocation.order !== undefined)
        ordered.set(entitlementKey(revocation.entitlement), revocation.order);
    }
    const plan = planReconcile(desired, actual, owners, (e) => this.#roleFor(e), ordered);
    const actions: Action[] = [...plan.actions];
    const outcomes: ItemOutcome[] = [];
    const driftSeen = new Set<string>();
    for (const action of actions)
      if (action.kind === 'revoke' && action.drift) driftSeen.add(action.key);
    for (const { key, entitlement, role } of plan.drift) {
      driftSeen.add(key);
      outcomes.push(await this.#reportDrift(key, entitlement, role, startedAt));
    }

    // Drift that went away is reported afresh if it comes back.
    for (const key of this.#reportedDrift) if (!driftSeen.has(key)) this.#reportedDrift.delete(key);
    // A key in cooldown that no longer needs any action (its grant ended before the retry)
    // is forgotten: left behind, its past retry time would keep the controller busy.
    const needed = new Set(actions.map((a) => a.key));
    for (const key of this.#cooldown.keys()) if (!needed.has(key)) this.#cooldown.delete(key);
    this.#forgetSettledOrphanScope(wanted, actions);

    const now = clock.now();
    const runnable = interleaveLanes(
      actions.filter((a) => (this.#cooldown.get(a.key)?.notBefore ?? 0) <= now),
    );
    const awaiting = await this.#ensureAwaiting(
      runnable.filter((a) => a.kind === 'revoke'),
      owed,
      now,
    );
    // Denies owed from earlier passes go first: before an entitlement is granted again (and
    // its old deny released for the new grant's sessions), its old sessions are denied.
    const revocations = await this.#carryOut(owed);
    const results = await mapLimited(runnable, this.#options.maxConcurrency, (action) =>
      this.#mutex.run(laneKey(action.entitlement), () =>
        this.#run(action, awaiting.get(action.key) ?? []),
      ),
    );
    outcomes.push(...results.map((r) => r.outcome));
    revocations.push(...results.flatMap((r) => r.revocations));
    await this.#keepFailSafe(desired, actual, outcomes);
    return {
      startedAt,
      finishedAt: clock.now(),
      transitions,
      desired: desired.size,
      actual: actual.size,
      outcomes,
      revocations,
      again: results.some((r) => r.again),
    };
  }

  /**
   * Keeps one fail-safe removal armed per entitlement that is wanted and held, at the latest
   * end of the grants backing it (an extension moves it), and disarms it once the access is
   * gone or no longer wanted. Only changes call the cloud; a failure is logged and tried
   * again next pass (the controller itself still removes the access on time).
   */
  async #keepFailSafe(
    desired: ReadonlyMap<string, Desired>,
    actual: ReadonlyMap<string, Entitlement>,
    outcomes: readonly ItemOutcome[],
  ): Promise<void> {
    const { failSafe, logger } = this.#deps;
    if (failSafe === undefined) return;
    const granted = new Set(
      outcomes.filter((o) => o.action === 'grant' && o.result === 'done').map((o) => o.key),
    );
    const work: (() => Promise<void>)[] = [];
    for (const [key, { entitlement, grants }] of desired) {
      if (!actual.has(key) && !granted.has(key)) continue;
      const endsAt = Math.max(
        ...grants.map(({ grant: g }) => (g.status === 'active' ? g.endsAt : 0)),
      );
      if (this.#armed.get(key)?.endsAt === endsAt) continue;
      work.push(async () => {
        await failSafe.arm(entitlement, endsAt);
        this.#armed.set(key, { entitlement, endsAt });
      });
    }
    for (const [key, { entitlement }] of this.#armed) {
      if (desired.has(key)) continue;
      work.push(async () => {
        await failSafe.disarm(entitlement);
        this.#armed.delete(key);
      });
    }
    await mapLimited(work, this.#options.maxConcurrency, async (run) => {
      try {
        await run();
      } catch (error) {
        logger.warn(
          { err: errorMessage(error) },
          'fail-safe expiry: could not arm or disarm a schedule; will try again next pass',
        );
      }
    });
  }

  /** Settles awaiting revocations by what the target holds (see `settleAwaiting`); returns
   *  the open revocations as they now stand. */
  async #settleAwaiting(
    open: readonly OwedRevocation[],
    desired: ReadonlyMap<string, Desired>,
    actual: ReadonlyMap<string, Entitlement>,
    listedAt: Instant,
  ): Promise<OwedRevocation[]> {
    const changed: OwedRevocation[] = [];
    const current = open.map((revocation) => {
      const key = entitlementKey(revocation.entitlement);
      const next = settleAwaiting(
        revocation,
        { held: actual.has(key), wanted: desired.has(key) },
        listedAt,
      );
      if (next === undefined) return revocation;
      changed.push(next);
      return next;
    });
    if (changed.length > 0) {
      await this.#deps.store.transaction(async (tx) => {
        for (const revocation of changed) await tx.updateRevocation(revocation);
      });
    }
    return current.filter((r) => r.status === 'awaiting_removal' || r.status === 'owed');
  }

  /** Every removal about to run has an awaiting revocation written before the target call
   *  (drift, and access whose grant ended before revocations were recorded); by key. */
  async #ensureAwaiting(
    removals: readonly Extract<Action, { kind: 'revoke' }>[],
    open: readonly OwedRevocation[],
    now: Instant,
  ): Promise<Map<string, OwedRevocation[]>> {
    const byKey = new Map<string, OwedRevocation[]>();
    for (const revocation of open) {
      if (revocation.status !== 'awaiting_removal') continue;
      const key = entitlementKey(revocation.entitlement);
      byKey.set(key, [...(byKey.get(key) ?? []), revocation]);
    }
    const missing = removals.filter((action) => !byKey.has(action.key));
    if (missing.length === 0) return byKey;
    const { store } = this.#deps;
    const added = await store.transaction(async (tx) => {
      const rows: OwedRevocation[] = [];
      for (const action of missing) {
        const subjectId = await tx.subjectOf(action.entitlement.user);
        const revocation: OwedRevocation = {
          id: `${action.grantIds[0] ?? 'drift'}/${action.key}/${String(now)}`,
          entitlement: action.entitlement,
          grantIds: action.grantIds,
          status: 'awaiting_removal',
          createdAt: now,
          attempts: 0,
          ...(subjectId === undefined ? {} : { subjectId }),
        };
        if (await tx.insertRevocation(revocation)) rows.push(revocation);
      }
      return rows;
    });
    for (const revocation of added) {
      byKey.set(entitlementKey(revocation.entitlement), [revocation]);
    }
    return byKey;
  }

  /** Attempts the owed revocations that are due, one revoker call per entitlement and
   *  cut-off; each outcome is written with its audit entry. */
  async #carryOut(revocations: readonly OwedRevocation[]): Promise<RevocationItem[]> {
    const now = this.#deps.clock.now();
    const groups = new Map<string, OwedRevocation[]>();
    for (const revocation of revocations) {
      if (revocation.status !== 'owed' || revocation.cutoff === undefined) continue;
      if ((revocation.nextAttemptAt ?? 0) > now) continue;
      const key = JSON.stringify([
        entitlementKey(revocation.entitlement),
        revocation.cutoff,
        revocation.subjectId ?? null,
      ]);
      groups.set(key, [...(groups.get(key) ?? []), revocation]);
    }
    const items: RevocationItem[] = [];
    for (const group of groups.values()) items.push(await this.#attempt(group));
    return items;
  }

  async #attempt(group: readonly OwedRevocation[]): Promise<RevocationItem> {
    const { revoker, clock, store, logger, random } = this.#deps;
    const first = group[0] as OwedRevocation;
    const cutoff = first.cutoff ?? clock.now();
    const entitlement = first.entitlement;
    const key = entitlementKey(entitlement);
    const ids = group.map((r) => r.id);
    const grantIds = [...new Set(group.flatMap((r) => r.grantIds))];
    const grantRef = grantIds[0] === undefined ? {} : { grantId: grantIds[0] };
    const data = {
      entitlement,
      cutoff: new Date(cutoff).toISOString(),
      revoker: revoker.name,
      ...(grantIds.length > 1 ? { grants: grantIds } : {}),
    };
    const settle = async (
      status: 'done' | 'lapsed',
      detail: string,
      audit: Omit<AuditInput, 'at' | 'actor' | 'data'>,
    ): Promise<void> => {
      const at = clock.now();
      await this.#writes.run(async (tx) => {
        for (const revocation of group) {
          await tx.updateRevocation({ ...revocation, status, settledAt: at, detail });
        }
        await tx.appendAudit({ at, actor: 'system:controller', data, ...grantRef, ...audit });
      });
    };

    if (clock.now() >= revocationMootAt(cutoff)) {
      const detail = `not written while any session issued before the cut-off could live (${humanDuration(revocationMootAt(cutoff) - cutoff)}); nothing is left to deny`;
      await settle('lapsed', detail, {
        action: 'sessions.revocation_lapsed',
        reason: detail,
        severity: 'warning',
      });
      return { key, result: 'lapsed', revocations: ids, message: detail };
    }

    let outcome;
    try {
      outcome = await revoker.revokeSessions({
        entitlement,
        cutoff,
        ...(first.subjectId === undefined ? {} : { subjectId: first.subjectId }),
      });
    } catch (error) {
      outcome = { state: 'failed' as const, retryable: true, message: errorMessage(error) };
    }
    this.#faults.hit('controller.after-sessions-revoked');
    if (outcome.state !== 'failed') {
      if (outcome.state === 'done') {
        const owedSince = Math.min(...group.map((r) => r.createdAt));
        this.#deps.metrics?.sessionsDenied(Math.max(0, clock.now() - owedSince) / 1000);
      }
      await settle('done', outcome.detail, {
        action: outcome.state === 'done' ? 'sessions.revoked' : 'sessions.not_revoked',
        reason: outcome.detail,
        severity: 'info',
      });
      return { key, result: outcome.state === 'done' ? 'done' : 'skipped', revocations: ids };
    }

    const now = clock.now();
    const attempts = Math.max(...group.map((r) => r.attempts)) + 1;
    const nextAttemptAt = now + revocationRetryDelay(attempts, random());
    const overdue =
      now - cutoff >= REVOCATION_OVERDUE_AFTER &&
      group.some((r) => r.overdueAlertedAt === undefined);
    await store.transaction(async (tx) => {
      for (const revocation of group) {
        await tx.updateRevocation({
          ...revocation,
          attempts,
          nextAttemptAt,
          lastError: outcome.message,
          ...(overdue && revocation.overdueAlertedAt === undefined
            ? { overdueAlertedAt: now }
            : {}),
        });
      }
      await tx.appendAudit({
        at: now,
        actor: 'system:controller',
        action: 'sessions.revoke_failed',
        reason: `${outcome.message}; will retry at ${new Date(nextAttemptAt).toISOString()} (attempt ${String(attempts)} failed)`,
        severity: 'alert',
        data: { ...data, attempts, nextAttemptAt: new Date(nextAttemptAt).toISOString() },
        ...grantRef,
      });
      if (overdue) {
        await tx.appendAudit({
          at: now,
          actor: 'system:controller',
          action: 'sessions.revocation_overdue',
          reason: `sessions of ${describe(entitlement)} issued before ${new Date(cutoff).toISOString()} are still not denied ${humanDuration(now - cutoff)} after removal: ${outcome.message}`,
          severity: 'alert',
          data: { ...data, attempts },
          ...grantRef,
        });
      }
    });
    logger.error(
      { key, attempts, nextAttemptAt, overdue, err: outcome.message },
      HEALTH_LOG.revocationFailed,
    );
    return { key, result: 'failed', revocations: ids, message: outcome.message };
  }

  /** Starts scheduled grants whose time has come and expires those past their end. */
  async #advanceDueGrants(now: Instant): Promise<number> {
    const due = await this.#deps.store.dueGrants(now, {
      pendingTtlMs: this.#options.pendingRequestTtlMs,
    });
    const events: { grantId: string; event: GrantEvent }[] = [];
    for (const stored of due) {
      const grant = stored.grant;
      if (grant.status === 'pending_approval') {
        events.push({
          grantId: grant.id,
          event: {
            type: 'cancel',
            actor: SYSTEM_ACTOR,
            reason: `not approved within ${humanDuration(this.#options.pendingRequestTtlMs)} of the request; request it again if still needed`,
          },
        });
        continue;
      }
      const starting = grant.status === 'scheduled' && now < grant.endsAt;
      let event: GrantEvent = starting ? { type: 'start' } : { type: 'expire' };
      const eligible =
        starting && grant.source === undefined ? await this.#stillEligible(grant) : true;
      // Unknown is not yes: the grant waits for the next pass rather than starting.
      if (eligible === undefined) continue;
      if (!eligible) {
        event = {
          type: 'cancel',
          actor: SYSTEM_ACTOR,
          reason: `${grant.principal} is no longer eligible for role ${grant.role} at its start (or the role left the configuration); request it again if still needed`,
        };
      }
      events.push({ grantId: grant.id, event });
    }
    // Batched: a burst of ends (a shift ending, a clean-up) commits a batch at a time.
    const results = await applyGrantEvents(this.#deps.store, events, now);
    let moved = 0;
    results.forEach((result, index) => {
      if (!result.ok) return;
      moved += 1;
      if (events[index]?.event.type === 'expire')
        this.#faults.hit('controller.after-grant-expired');
    });
    return moved;
  }

  /** True or false, or undefined when the answer could not be had. */
  async #stillEligible(grant: Grant): Promise<boolean | undefined> {
    const check = this.#deps.stillEligible;
    if (check === undefined) return true;
    try {
      return await check(grant);
    } catch (error) {
      this.#deps.logger.warn(
        { grantId: grant.id, err: errorMessage(error) },
        'could not check eligibility at start; will try again',
      );
      return undefined;
    }
  }

  /** Remembers where active grants (and, on the first pass, recently ended grants that had
   *  access) point outside the configured roles. */
  async #rememberOrphanScope(wanted: readonly Entitlement[]): Promise<void> {
    const held: Entitlement[] = [...wanted];
    if (!this.#orphansLoaded) {
      const ended = await this.#deps.store.listGrants({
        statuses: ENDED_STATUSES,
        limit: ORPHAN_SCAN_LIMIT,
      });
      for (const { grant } of ended) {
        if ('hadAccess' in grant && grant.hadAccess) held.push(...grantEntitlements(grant));
      }
      this.#orphansLoaded = true;
    }
    for (const entitlement of held) {
      if (this.#roleFor(entitlement) === undefined)
        this.#orphanScope.set(scopeKey(entitlement), entitlement);
    }
  }

  /** Drops orphaned scope where no active grant wants anything and nothing of ours is left
   *  to remove. */
  #forgetSettledOrphanScope(wanted: readonly Entitlement[], actions: readonly Action[]): void {
    const busy = new Set([...wanted, ...actions.map((a) => a.entitlement)].map(scopeKey));
    for (const key of this.#orphanScope.keys()) if (!busy.has(key)) this.#orphanScope.delete(key);
  }

  /** What the controller manages: the configured roles' groups and permission sets, plus
   *  whatever grants point at (a role may have left the config). */
  #scope(wanted: readonly Entitlement[]): TargetScope {
    return managedScope(this.#deps.roles.values(), [...wanted, ...this.#orphanScope.values()]);
  }

  /** For each entitlement key, the latest ended grant that held it: proof it was ours. */
  async #lastEndedGrants(users: readonly string[]): Promise<Map<string, Grant>> {
    const byKey = new Map<string, Grant>();
    const ended = await this.#deps.store.endedGrantsWithAccess([...new Set(users)]);
    for (const { grant } of ended) {
      for (const entitlement of grantEntitlements(grant)) {
        const key = entitlementKey(entitlement);
        const seen = byKey.get(key);
        if (!seen || endedAt(grant) > endedAt(seen)) byKey.set(key, grant);
      }
    }
    return byKey;
  }

  #roleFor(entitlement: Entitlement): Role | undefined {
    for (const role of this.#deps.roles.values()) {
      if (entitlement.kind === 'group-membership') {
        if (role.enforcement === 'group-membership' && role.group === entitlement.group)
          return role;
      } else if (
        role.enforcement === 'account-assignment' &&
        role.permissionSet === entitlement.permissionSet &&
        role.accounts.includes(entitlement.account)
      ) {
        return role;
      }
    }
    return undefined;
  }

  async #reportDrift(
    key: string,
    entitlement: Entitlement,
    role: Role | undefined,
    now: Instant,
  ): Promise<ItemOutcome> {
    if (this.#reportedDrift.has(key)) return { key, action: 'drift', result: 'known' };
    this.#reportedDrift.add(key);
    this.#deps.metrics?.driftFound(1, 'reported');
    await this.#audit({
      at: now,
      actor: 'system:controller',
      action: 'drift.detected',
      reason: `${describe(entitlement)} is not backed by any grant; left in place because role ${role?.name ?? '(none)'} says drift: report`,
      severity: 'warning',
      data: { entitlement, ...(role ? { role: role.name } : {}) },
    });
    this.#deps.logger.warn(
      { entitlement, role: role?.name },
      'drift: access not backed by any grant',
    );
    return { key, action: 'drift', result: 'reported' };
  }

  async #run(
    action: Action,
    awaiting: readonly OwedRevocation[],
  ): Promise<{ outcome: ItemOutcome; again: boolean; revocations: RevocationItem[] }> {
    const { clock, logger } = this.#deps;
    if (action.kind === 'grant') await this.#releaseSessions(action);
    const execution = await this.#execute(action);
    let revocations: RevocationItem[] = [];
    if (execution.state === 'done') {
      this.#cooldown.delete(action.key);
      if (action.kind === 'grant') {
        this.#faults.hit('controller.after-target-grant');
        const subjectId = await this.#subjectIdOf(action.entitlement.user);
        const at = clock.now();
        await this.#writes.run(async (tx) => {
          if (subjectId !== undefined)
            await tx.recordSubject(action.entitlement.user, subjectId, at);
          await tx.appendAudit({
            at,
            actor: 'system:controller',
            action: 'target.granted',
            reason: `grant ${action.grants.map((g) => g.grant.id).join(', ')} is active`,
            data: {
              entitlement: action.entitlement,
              grants: action.grants.map((g) => g.grant.id),
              target: this.#deps.target.name,
              attempts: execution.attempts,
            },
            ...(action.grants[0] ? { grantId: action.grants[0].grant.id } : {}),
          });
        });
        const activeSince = Math.max(
          ...action.grants.map(({ grant: g }) => ('activatedAt' in g ? g.activatedAt : at)),
        );
        this.#deps.metrics?.accessLanded(Math.max(0, at - activeSince) / 1000);
      } else {
        this.#faults.hit('controller.after-target-revoke');
        // The cut-off and the removal's audit entry commit together; from here on the
        // revocation is owed, and a crash or a failed revoker only delays it.
        const owed = awaiting.map((revocation) => owe(revocation, execution.confirmedAt));
        await this.#writes.run(async (tx) => {
          for (const revocation of owed) await tx.updateRevocation(revocation);
          await tx.appendAudit({
            at: clock.now(),
            actor: 'system:controller',
            action: action.drift ? 'drift.removed' : 'target.revoked',
            reason: action.reason,
            severity: action.drift ? 'warning' : 'info',
            data: {
              entitlement: action.entitlement,
              grants: action.grantIds,
              target: this.#deps.target.name,
              confirmedAt: new Date(execution.confirmedAt).toISOString(),
              attempts: execution.attempts,
            },
            ...(action.grantIds[0] ? { grantId: action.grantIds[0] } : {}),
          });
        });
        this.#faults.hit('controller.after-removal-recorded');
        const endedAt = Math.min(...awaiting.map((r) => r.createdAt));
        this.#deps.metrics?.accessRemoved(
          awaiting.length === 0 ? 0 : Math.max(0, execution.confirmedAt - endedAt) / 1000,
          action.drift && awaiting.length === 0 ? 'drift' : 'ended',
        );
        if (action.drift) this.#deps.metrics?.driftFound(1, 'removed');
        revocations = await this.#carryOut(owed);
      }
      return {
        outcome: {
          key: action.key,
          action: action.kind,
          result: 'done',
          attempts: execution.attempts,
        },
        again: false,
        revocations,
      };
    }

    const failure = {
      key: action.key,
      action: action.kind,
      result: 'failed' as const,
      attempts: execution.attempts,
      retryable: execution.retryable,
      code: execution.code,
      message: execution.message,
    };
    logger.error(
      { key: action.key, action: action.kind, code: execution.code, err: execution.message },
      HEALTH_LOG.targetActionFailed,
    );
    if (action.kind === 'grant' && !execution.retryable) {
      // The grant cannot be carried out: fail it (alert) so no partial access remains.
      for (const stored of action.grants) {
        await applyGrantEvent(
          this.#deps.store,
          stored.grant.id,
          {
            type: 'fail',
            reason: `${this.#deps.target.name} refused ${describe(action.entitlement)}: ${execution.code}: ${execution.message}`,
          },
          clock.now(),
        );
      }
      return { outcome: failure, again: true, revocations };
    }
    const previous = this.#cooldown.get(action.key)?.attempts ?? 0;
    const attempts = previous + 1;
    this.#cooldown.set(action.key, {
      attempts,
      notBefore: clock.now() + backoffDelay(attempts + 1, this.#options.backoff, this.#deps.random),
    });
    await this.#audit({
      at: clock.now(),
      actor: 'system:controller',
      action: action.kind === 'grant' ? 'target.grant_failed' : 'target.revoke_failed',
      reason: `${execution.code}: ${execution.message}; will retry`,
      severity: action.kind === 'revoke' ? 'alert' : 'warning',
      data: {
        entitlement: action.entitlement,
        attempts: execution.attempts,
        retryable: execution.retryable,
      },
    });
    return { outcome: failure, again: true, revocations };
  }

  /** The target's id of a person, asked after a grant; none when the target cannot say. */
  async #subjectIdOf(user: string): Promise<string | undefined> {
    const { target } = this.#deps;
    if (!target.subjectIdOf) return undefined;
    try {
      return await target.subjectIdOf(user);
    } catch {
      return undefined;
    }
  }

  /** Before access returns, a revoker that stretched an earlier cut-off narrows it, so the
   *  new grant's sessions are not denied. A failure is audited loudly; the grant goes ahead. */
  async #releaseSessions(action: Extract<Action, { kind: 'grant' }>): Promise<void> {
    const { revoker, clock } = this.#deps;
    if (!revoker.release) return;
    let outcome;
    try {
      outcome = await revoker.release(action.entitlement);
    } catch (error) {
      outcome = { state: 'failed' as const, retryable: true, message: errorMessage(error) };
    }
    if (outcome.state !== 'failed') return;
    await this.#audit({
      at: clock.now(),
      actor: 'system:controller',
      action: 'sessions.release_failed',
      reason: `${outcome.message}; sessions of the new grant may be denied until the old deny expires`,
      severity: 'alert',
      data: { entitlement: action.entitlement, revoker: revoker.name },
      ...(action.grants[0] ? { grantId: action.grants[0].grant.id } : {}),
    });
  }

  /** Calls the target with polling and retries; returns the final state. */
  async #execute(
    action: Action,
  ): Promise<
    | { state: 'done'; confirmedAt: Instant; attempts: number }
    | { state: 'failed'; retryable: boolean; code: string; message: string; attempts: number }
  > {
    const { target, sleep, random } = this.#deps;
    let last: Extract<TargetOperation, { state: 'failed' }> = {
      state: 'failed',
      retryable: true,
      code: 'NotTried',
      message: 'not tried',
    };
    for (let attempt = 1; attempt <= this.#options.maxAttempts; attempt += 1) {
      let operation = await guard(() =>
        action.kind === 'grant'
          ? target.grant(action.entitlement)
          : target.revoke(action.entitlement),
      );
      for (
        let polls = 0;
        operation.state === 'pending' && polls < this.#options.maxPolls;
        polls += 1
      ) {
        await sleep(this.#options.pollIntervalMs);
        const id = operation.operationId;
        operation = await guard(() => target.poll(id));
      }
      if (operation.state === 'done')
        return { state: 'done', confirmedAt: operation.confirmedAt, attempts: attempt };
      last =
        operation.state === 'pending'
          ? {
              state: 'failed',
              retryable: true,
              code: 'StillPending',
              message: `operation ${operation.operationId} still pending after ${this.#options.maxPolls} polls`,
            }
          : operation;
      if (!last.retryable) return { ...last, attempts: attempt };
      if (attempt < this.#options.maxAttempts) {
        await this.#audit({
          at: this.#deps.clock.now(),
          actor: 'system:controller',
          action: 'target.retry',
          reason: `${action.kind} ${action.key}: ${last.code}: ${last.message}`,
          data: { entitlement: action.entitlement, attempt, code: last.code },
        });
        await sleep(
          Math.max(backoffDelay(attempt, this.#options.backoff, random), last.retryAfterMs ?? 0),
        );
      }
    }
    return { ...last, attempts: this.#options.maxAttempts };
  }

  async #audit(entry: AuditInput): Promise<void> {
    await this.#deps.store.transaction((tx) => tx.appendAudit(entry));
  }
}

async function guard(call: () => Promise<TargetOperation>): Promise<TargetOperation> {
  try {
    return await call();
  } catch (error) {
    return { state: 'failed', retryable: true, code: 'Exception', message: errorMessage(error) };
  }
}

/** Ended grants searched for orphaned scope when a reconciler starts: the newest ones. */
const ORPHAN_SCAN_LIMIT = 1000;

/** Where an entitlement lives, as far as listing is concerned: its group, or its permission
 *  set in its account. */
function scopeKey(entitlement: Entitlement): string {
  return entitlement.kind === 'group-membership'
    ? `group:${entitlement.group}`
    : `assignment:${entitlement.permissionSet}:${entitlement.account}`;
}

function endedAt(grant: Grant): Instant {
  return 'endedAt' in grant ? grant.endedAt : 0;
}

function describe(entitlement: Entitlement): string {
  return entitlement.kind === 'group-membership'
    ? `${entitlement.user} in group ${entitlement.group}`
    : `${entitlement.user} with ${entitlement.permissionSet} in ${entitlement.account}`;
}

/**
 * The serialisation key of an action. Identity Center changes one permission set in one
 * account at a time (a second change meanwhile gets ConflictException), so account
 * assignments of one permission set in one account share a lane; group memberships are
 * independent, one lane each.
 */
function laneKey(entitlement: Entitlement): string {
  return entitlement.kind === 'account-assignment'
    ? `lane:${entitlement.permissionSet}:${entitlement.account}`
    : entitlementKey(entitlement);
}

/** Orders actions round-robin across lanes, so parallel workers rarely wait on one lane. */
function interleaveLanes<T extends { readonly entitlement: Entitlement }>(
  actions: readonly T[],
): T[] {
  const lanes = new Map<string, T[]>();
  for (const action of actions) {
    const key = laneKey(action.entitlement);
    const lane = lanes.get(key);
    if (lane) lane.push(action);
    else lanes.set(key, [action]);
  }
  const ordered: T[] = [];
  for (let round = 0; ordered.length < actions.length; round += 1) {
    for (const lane of lanes.values()) {
      const action = lane[round];
      if (action) ordered.push(action);
    }
  }
  return ordered;
}

/** Maps with at most `limit` promises in flight, keeping order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
