// Incident response: `jit revoke --user <person> --all`, the runbook as one command. For one
// person it ends every open grant (native and PIM-mirrored, both enforcement modes), orders
// the removal of whatever else JIT Access manages for them in Identity Center (drift), lets
// the controller remove it all and deny their live sessions, removes their Entra PIM
// eligibilities and assignments, and ends their JIT Access sign-in sessions; and it reports
// what it did per account. A dry run reads the same facts, plans the same steps and writes
// nothing anywhere.
//
// "One pass": the grant ends, the removal orders and the incident's audit entry commit in
// one transaction (so a crash leaves durable work the controller finishes on its own, as for
// any grant end), and then this service runs controller passes here (when this process
// leads) or waits for the leader's, until Identity Center holds nothing of the person's and
// every session revocation owed for them is written, or a bounded number of rounds has
// passed. Only the controller writes to Identity Center and the revocation SCP, so the lease
// still decides who acts; the command returns with access gone, or says what is pending.
import { didYouMean } from '../config/nearest.js';
import { errorMessage } from '../core/error-message.js';
import { ok, refuse, refusal, type Refusal, type Result } from '../core/errors.js';
import {
  entitlementKey,
  grantEntitlements,
  OPEN_STATUSES,
  type Entitlement,
} from '../core/grant.js';
import { OPEN_REVOCATION_STATUSES, type OwedRevocation } from '../core/owed-revocation.js';
import type { Actor } from '../core/principal.js';
import type { Role } from '../core/role.js';
import {
  incidentEndEvent,
  pimKey,
  planSummary,
  planUserRevocation,
  userRevocationReport,
  type GrantEndResult,
  type PimHolding,
  type PimResult,
  type SessionsResult,
  type UserRevocationOutcomes,
  type UserRevocationPlan,
  type UserRevocationReport,
} from '../core/user-revocation.js';
import type { AccessTarget, TargetScope } from '../ports/access-target.js';
import type { ActivationRevoker } from '../ports/activation-revoker.js';
import type { Clock } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { Ids } from '../ports/ids.js';
import type { Logger } from '../ports/logger.js';
import { applyUserRevocation } from '../store/apply-user-revocation.js';
import type { GrantQuery, Store, StoredGrant } from '../store/store.js';
import { allGrants } from '../store/all-grants.js';
import { managedScope } from '../controller/managed-scope.js';

export interface IncidentDeps {
  readonly store: Store;
  readonly roles: ReadonlyMap<string, Role>;
  readonly directory: Directory;
  /** Only read here (what the person holds); the controller makes the removals. */
  readonly target: Pick<AccessTarget, 'name' | 'list'>;
  /** Entra PIM: absent without an Entra connection. */
  readonly activationRevoker?: ActivationRevoker;
  /** The person's JIT Access sign-in sessions; absent when sign-in keeps none (sandbox
   *  tokens). */
  readonly signIns?: {
    count(principal: string): Promise<number>;
    endAll(principal: string, actor: string, reason: string): Promise<number>;
  };
  readonly clock: Clock;
  readonly ids: Ids;
  readonly logger: Logger;
  /** Runs one controller pass in this process now; false when another process leads. */
  readonly runPass: () => Promise<boolean>;
  /** Waits between checks while the leading controller works. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly options?: {
    /** Checks before the command gives up waiting and reports what is pending (default 20). */
    readonly rounds?: number;
    /** Pause between them (default 500 ms). */
    readonly waitMs?: number;
  };
}

export interface RevokeUserInput {
  /** Handle, e-mail or principal id. */
  readonly user: string;
  readonly reason?: string;
  readonly dryRun?: boolean;
}

/** What the person holds now, and where to look. */
interface Survey {
  readonly principal: string;
  readonly openGrants: readonly StoredGrant[];
  /** Keys of what Identity Center holds for them, and the entitlements. */
  readonly held: readonly Entitlement[];
  readonly openRevocations: readonly OwedRevocation[];
  readonly pim: readonly PimHolding[];
  readonly signInSessions: number;
  readonly scope: TargetScope;
  readonly problems: readonly string[];
}

const DEFAULT_ROUNDS = 20;
const DEFAULT_WAIT_MS = 500;

export class IncidentService {
  readonly #deps: IncidentDeps;

  constructor(deps: IncidentDeps) {
    this.#deps = deps;
  }

  /**
   * Revokes everything `input.user` holds (or, with `dryRun`, says what that would do and
   * changes nothing). Administrators only; a reason is required. Refusals are values; a
   * refusal of someone who is not an administrator is audited.
   */
  async revokeUser(actor: Actor, input: RevokeUserInput): Promise<Result<UserRevocationReport>> {
    if (!actor.isAdmin) {
      const refused = refusal(
        'ERR_FORBIDDEN',
        `only administrators (admins in the config) may revoke everything a person holds; ask one of them to run jit revoke --user ${input.user} --all`,
      );
      await this.#auditRefusal(actor, input, refused);
      return { ok: false, refusal: refused };
    }
    const reason = input.reason?.trim() ?? '';
    if (reason === '') {
      return refuse(
        'ERR_REASON_REQUIRED',
        'revoking everything a person holds needs the incident’s reason; give one with --reason, e.g. --reason "INC-42: laptop stolen"',
      );
    }
    const person = await this.#person(input.user);
    if (!person.ok) return person;
    const survey = await this.#survey(person.value);
    const plan = this.#plan(survey);
    if (input.dryRun === true) {
      return ok(userRevocationReport(plan, { reason }, undefined));
    }
    return ok(await this.#carryOut(actor, reason, survey, plan));
  }

  #plan(survey: Survey): UserRevocationPlan {
    return planUserRevocation({
      principal: survey.principal,
      openGrants: survey.openGrants.map((s) => s.grant),
      held: survey.held,
      openRevocations: survey.openRevocations,
      pim: survey.pim,
      signInSessions: survey.signInSessions,
      roles: this.#deps.roles,
    });
  }

  async #carryOut(
    actor: Actor,
    reason: string,
    survey: Survey,
    plan: UserRevocationPlan,
  ): Promise<UserRevocationReport> {
    const { store, clock, ids } = this.#deps;
    const incidentId = ids.next('inc');
    const why = `incident ${incidentId}: ${reason}`;
    const auditFrom = (await store.auditHead()).seq;
    const now = clock.now();
    const orders = plan.removals
      .filter((r) => r.drift)
      .map((r) => ({ id: `incident/${incidentId}/${r.key}`, entitlement: r.entitlement }));
    const events = survey.openGrants.flatMap(({ grant }) => {
      const event = incidentEndEvent(grant, actor, why);
      return event === undefined ? [] : [{ grantId: grant.id, event }];
    });
    const ended = await applyUserRevocation(
      store,
      {
        grants: events,
        orders,
        orderReason: `removal ordered by ${why} (${actor.id})`,
        incident: (written) => ({
          at: now,
          actor: actor.id,
          action: 'incident.revoke_user',
          reason,
          severity: 'alert',
          data: {
            incident: incidentId,
            person: plan.principal,
            summary: planSummary(plan),
            grants: written.map((w) =>
              w.ok
                ? { id: w.grantId, from: w.transition.from, to: w.transition.grant.status }
                : { id: w.grantId, skipped: w.refusal.message },
            ),
            access: plan.removals.map((r) => ({
              entitlement: r.entitlement,
              accounts: r.accounts,
              ...(r.grantIds.length > 0 ? { grants: r.grantIds } : {}),
              ...(r.drift ? { drift: true } : {}),
              ...(r.held ? {} : { held: false }),
            })),
            pim: plan.pim.map((p) => ({
              role: p.role,
              group: p.group,
              kind: p.kind,
              ...(p.removable ? {} : { viaGroup: p.viaGroup }),
            })),
            signInSessions: plan.signInSessions,
          },
        }),
      },
      now,
    );
    this.#deps.logger.warn(
      { incident: incidentId, person: plan.principal, actor: actor.id, ...planSummary(plan) },
      'incident: revoking everything a person holds',
    );
    const grants = new Map<string, { result: GrantEndResult; detail?: string }>(
      ended.map((w) =>
        w.ok
          ? [w.grantId, { result: 'done' }]
          : [w.grantId, { result: 'skipped', detail: w.refusal.message }],
      ),
    );
    const signInSessionsEnded = await this.#endSignIns(plan, actor, why);
    const [progress, pim] = await Promise.all([
      this.#converge(plan.principal, survey.scope),
      this.#removePim(plan, actor, incidentId, why),
    ]);
    const sessions = await this.#sessionResults(plan, incidentId, ended, survey, auditFrom);
    const problems = [...survey.problems, ...progress.problems];
    if (progress.openGrants.length > 0) {
      problems.push(
        `${plan.principal} holds grants opened since the incident began (${progress.openGrants.map((g) => g.grant.id).join(', ')}); run the command again`,
      );
    }
    const outcomes: UserRevocationOutcomes = {
      grants,
      stillHeld: new Set(progress.held.map(entitlementKey)),
      sessions,
      pim,
      signInSessionsEnded,
      problems,
    };
    return userRevocationReport(plan, { reason, incidentId }, outcomes);
  }

  /** The person's principal id: from the directory, or, for someone it no longer knows (they
   *  left), the principal id itself when the store has a trace of them. */
  async #person(user: string): Promise<Result<string>> {
    const { directory, store } = this.#deps;
    const text = user.trim();
    if (text === '') {
      return refuse(
        'ERR_INVALID_INPUT',
        'name the person: --user <handle, e-mail or principal id>',
      );
    }
    let lookupError: string | undefined;
    try {
      const found = await directory.findUser(text);
      if (found) return ok(found.id);
    } catch (error) {
      lookupError = errorMessage(error);
    }
    const id = text.toLowerCase();
    if (id.includes('@')) {
      const [grant] = await store.listGrants({ principal: id, limit: 1 });
      if (grant !== undefined || (await store.subjectOf(id)) !== undefined) return ok(id);
    }
    if (lookupError !== undefined) {
      return refuse(
        'ERR_TARGET',
        `could not look ${JSON.stringify(text)} up in the directory: ${lookupError}; retry, or give their principal id (e.g. --user bob@example.com)`,
      );
    }
    const known = await directory.listUsers().catch(() => []);
    const hint = didYouMean(
      text,
      known.flatMap((u) => [u.name, u.id]),
    );
    return refuse(
      'ERR_NOT_FOUND',
      `no person ${JSON.stringify(text)} in the directory, and no grant of theirs in the store;${hint}${hint === '' ? ' give' : ' Give'} their handle, e-mail or principal id (e.g. --user bob@example.com)`,
    );
  }

  async #survey(principal: string): Promise<Survey> {
    const { store, activationRevoker, signIns, roles } = this.#deps;
    const problems: string[] = [];
    const openGrants = await this.#allGrants({ principal, statuses: OPEN_STATUSES });
    const endedWithAccess = await store.endedGrantsWithAccess([principal]);
    const openRevocations = await this.#openRevocations(principal);
    const scope = managedScope(roles.values(), [
      ...[...openGrants, ...endedWithAccess].flatMap((s) => grantEntitlements(s.grant)),
      ...openRevocations.map((r) => r.entitlement),
    ]);
    const held = await this.#held(principal, scope, problems);
    const pim: PimHolding[] = [];
    const pimGroups = [...roles.values()]
      .filter((role) => role.source === 'entra-pim')
      .map((role) => ({ role: role.name, group: role.entraGroup ?? role.group }));
    if (pimGroups.length > 0 && activationRevoker === undefined) {
      problems.push(
        `roles ${pimGroups.map((g) => g.role).join(', ')} are activated in Entra PIM, but no Entra connection is configured; remove ${principal}'s eligibilities and assignments of ${pimGroups.map((g) => g.group).join(', ')} in Entra PIM by hand`,
      );
    } else if (pimGroups.length > 0 && activationRevoker !== undefined) {
      for (const read of await activationRevoker.holdings(principal, pimGroups)) {
        if (read.ok) pim.push(...read.holdings);
        else
          problems.push(
            `could not read Entra PIM for group ${read.group.group} (role ${read.group.role}): ${read.error}; remove ${principal}'s eligibility there by hand, or run the command again`,
          );
      }
    }
    let signInSessions = 0;
    try {
      signInSessions = signIns === undefined ? 0 : await signIns.count(principal);
    } catch (error) {
      problems.push(`could not count ${principal}'s sign-in sessions: ${errorMessage(error)}`);
    }
    return {
      principal,
      openGrants,
      held,
      openRevocations,
      pim,
      signInSessions,
      scope,
      problems,
    };
  }

  async #held(principal: string, scope: TargetScope, problems: string[]): Promise<Entitlement[]> {
    const { target } = this.#deps;
    try {
      return (await target.list(scope)).filter((e) => e.user === principal);
    } catch (error) {
      problems.push(
        `could not list what ${target.name} holds: ${errorMessage(error)}; the grants still end and the controller removes their access when it can, but access no grant stands for is not seen: run the command again`,
      );
      return [];
    }
  }

  /** Runs (or waits for) controller passes until the person holds nothing and owes no
   *  revocation, or the rounds are used up; returns what is left. */
  async #converge(
    principal: string,
    scope: TargetScope,
  ): Promise<{
    openGrants: readonly StoredGrant[];
    held: readonly Entitlement[];
    problems: string[];
  }> {
    const { runPass, sleep, logger } = this.#deps;
    const rounds = Math.max(1, this.#deps.options?.rounds ?? DEFAULT_ROUNDS);
    const waitMs = this.#deps.options?.waitMs ?? DEFAULT_WAIT_MS;
    let left = {
      openGrants: [] as readonly StoredGrant[],
      held: [] as Entitlement[],
      problems: [] as string[],
    };
    for (let round = 1; round <= rounds; round += 1) {
      try {
        await runPass();
      } catch (error) {
        logger.error({ err: errorMessage(error) }, 'incident: a controller pass failed');
      }
      const problems: string[] = [];
      const openGrants = await this.#allGrants({ principal, statuses: OPEN_STATUSES });
      const held = await this.#held(principal, scope, problems);
      const open = await this.#openRevocations(principal);
      left = { openGrants, held, problems };
      if (problems.length === 0 && held.length === 0 && open.length === 0) return left;
      if (round < rounds) await sleep(waitMs);
    }
    return left;
  }

  /** Removes each removable PIM holding; every outcome is audited. */
  async #removePim(
    plan: UserRevocationPlan,
    actor: Actor,
    incidentId: string,
    why: string,
  ): Promise<Map<string, { result: PimResult; detail?: string }>> {
    const { activationRevoker, store, clock } = this.#deps;
    const results = new Map<string, { result: PimResult; detail?: string }>();
    if (activationRevoker === undefined) return results;
    for (const holding of plan.pim.filter((p) => p.removable)) {
      const outcome = await activationRevoker
        .remove(holding, `JIT Access ${why}`)
        .catch((error: unknown) => ({ state: 'failed' as const, message: errorMessage(error) }));
      const done = outcome.state === 'done';
      const detail = outcome.state === 'done' ? outcome.detail : outcome.message;
      results.set(pimKey(holding), { result: done ? 'removed' : 'failed', detail });
      await store.transaction((tx) =>
        tx.appendAudit({
          at: clock.now(),
          actor: actor.id,
          action: done ? `pim.${holding.kind}_removed` : 'pim.removal_failed',
          reason: done
            ? `${why}: ${plan.principal}'s PIM ${holding.kind} of ${holding.group} (role ${holding.role}) removed`
            : `${why}: could not remove ${plan.principal}'s PIM ${holding.kind} of ${holding.group} (role ${holding.role}): ${detail}; remove it in Entra PIM by hand`,
          severity: done ? 'info' : 'alert',
          data: {
            incident: incidentId,
            person: plan.principal,
            role: holding.role,
            group: holding.group,
            groupId: holding.groupId,
            kind: holding.kind,
            instanceId: holding.instanceId,
            detail,
          },
        }),
      );
    }
    return results;
  }

  async #endSignIns(plan: UserRevocationPlan, actor: Actor, why: string): Promise<boolean> {
    const { signIns, logger } = this.#deps;
    if (signIns === undefined || plan.signInSessions === 0) return false;
    try {
      await signIns.endAll(plan.principal, actor.id, why);
      return true;
    } catch (error) {
      logger.error({ err: errorMessage(error) }, 'incident: could not end sign-in sessions');
      return false;
    }
  }

  /** What became of the session revocations this incident owes, per entitlement: from the
   *  revocation rows and the controller's `sessions.*` audit entries since it began. */
  async #sessionResults(
    plan: UserRevocationPlan,
    incidentId: string,
    ended: readonly { grantId: string; ok: boolean }[],
    survey: Survey,
    auditFrom: number,
  ): Promise<Map<string, { result: SessionsResult; detail?: string }>> {
    const { store } = this.#deps;
    const endedIds = new Set(ended.filter((e) => e.ok).map((e) => e.grantId));
    const earlier = new Set(survey.openRevocations.map((r) => r.id));
    const ours = (r: OwedRevocation): boolean =>
      earlier.has(r.id) ||
      r.id.startsWith(`incident/${incidentId}/`) ||
      r.grantIds.some((id) => endedIds.has(id));
    const rows = (await store.listRevocations({ principal: plan.principal, limit: 10_000 })).filter(
      ours,
    );
    const entries = (await store.queryAudit({ afterSeq: auditFrom, limit: 10_000 })).filter((e) =>
      e.action.startsWith('sessions.'),
    );
    const lastEntry = new Map<string, { action: string; reason: string }>();
    for (const entry of entries) {
      const entitlement = entry.data?.['entitlement'] as Entitlement | undefined;
      if (entitlement?.user !== plan.principal) continue;
      lastEntry.set(entitlementKey(entitlement), {
        action: entry.action,
        reason: entry.reason ?? '',
      });
    }
    const results = new Map<string, { result: SessionsResult; detail?: string }>();
    for (const removal of plan.removals) {
      const mine = rows.filter((r) => entitlementKey(r.entitlement) === removal.key);
      const open = mine.find((r) => r.status === 'awaiting_removal' || r.status === 'owed');
      const entry = lastEntry.get(removal.key);
      if (open !== undefined) {
        results.set(removal.key, {
          result: 'pending',
          detail:
            open.lastError === undefined
              ? `the controller still owes it (${open.status.replace('_', ' ')})`
              : `${open.lastError}; next attempt ${new Date(open.nextAttemptAt ?? 0).toISOString()}`,
        });
      } else if (entry?.action === 'sessions.revoked') {
        results.set(removal.key, { result: 'denied', detail: entry.reason });
      } else if (entry?.action === 'sessions.not_revoked') {
        results.set(removal.key, { result: 'not_denied', detail: entry.reason });
      } else if (mine.some((r) => r.status === 'superseded')) {
        results.set(removal.key, {
          result: 'not_needed',
          detail: 'a grant holds this access again, so its sessions stay',
        });
      } else if (mine.some((r) => r.status === 'lapsed') || entry !== undefined) {
        results.set(removal.key, { result: 'not_needed', detail: entry?.reason ?? 'lapsed' });
      } else if (mine.some((r) => r.status === 'done')) {
        results.set(removal.key, { result: 'denied', detail: 'written earlier' });
      } else {
        results.set(removal.key, {
          result: 'not_needed',
          detail: 'no session revocation was owed: the access never landed',
        });
      }
    }
    return results;
  }

  async #auditRefusal(actor: Actor, input: RevokeUserInput, refused: Refusal): Promise<void> {
    try {
      await this.#deps.store.transaction((tx) =>
        tx.appendAudit({
          at: this.#deps.clock.now(),
          actor: actor.id,
          action: 'incident.refused',
          reason: refused.message,
          severity: 'warning',
          data: {
            attempted: 'revoke_user',
            code: refused.code,
            person: input.user.slice(0, 256),
            ...(input.dryRun === true ? { dryRun: true } : {}),
          },
        }),
      );
    } catch (error) {
      this.#deps.logger.error({ err: errorMessage(error) }, 'could not audit a refusal');
    }
  }

  async #openRevocations(principal: string): Promise<readonly OwedRevocation[]> {
    return this.#deps.store.listRevocations({
      principal,
      statuses: OPEN_REVOCATION_STATUSES,
      limit: 10_000,
    });
  }

  #allGrants(query: Omit<GrantQuery, 'limit' | 'before'>): Promise<StoredGrant[]> {
    return allGrants(this.#deps.store, query);
  }
}
