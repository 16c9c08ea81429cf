// The native request/approval workflow: request, approve, deny, cancel, revoke, extend,
// and the read side (my roles, my approvals, grants). Every outcome a person can cause is a
// Result; the API turns refusals into HTTP in one place.
import type { Millis } from '../core/duration.js';
import { ok, refuse, type Result } from '../core/errors.js';
import { OPEN_STATUSES, type Grant, type GrantStatus, type Instant } from '../core/grant.js';
import { hasFreshMfa, type Actor, type Principal } from '../core/principal.js';
import { evaluateRequest } from '../core/request-policy.js';
import { inPrincipalSet, type PrincipalSet, type Role } from '../core/role.js';
import type { GrantEvent } from '../core/transition.js';
import type { Clock } from '../ports/clock.js';
import type { Ids } from '../ports/ids.js';
import type { Logger } from '../ports/logger.js';
import type { GrantQuery, Store, StoredGrant } from '../store/store.js';
import { applyGrantEvent, insertGrant } from '../store/apply-grant-event.js';
import { allGrants } from '../store/all-grants.js';

export interface WorkflowDeps {
  readonly store: Store;
  readonly roles: ReadonlyMap<string, Role>;
  readonly admins: PrincipalSet;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly logger: Logger;
  readonly mfaMaxAge: Millis;
  /** Open requests and grants one person may have at once (default 20). */
  readonly maxOpenGrantsPerPerson?: number;
  /** Called after every change, to wake the controller. */
  readonly onChange?: () => void;
}

export interface RequestInput {
  readonly role: string;
  readonly accounts?: readonly string[];
  readonly duration?: Millis;
  readonly justification?: string;
  readonly ticket?: string;
  readonly start?: Instant;
}

export interface ExtendInput {
  /** Added to the current end. */
  readonly by?: Millis;
  /** Or the new end itself. */
  readonly until?: Instant;
  readonly justification?: string;
  readonly ticket?: string;
}

export interface GrantOutcome {
  readonly grant: Grant;
  readonly version: number;
  /** The audit action recorded, e.g. `grant.activated`. */
  readonly action: string;
  /** Other open grants of the same person and role (overlap keeps access continuous). */
  readonly overlaps?: readonly string[];
}

export interface RoleView {
  readonly role: Role;
  readonly eligible: boolean;
}

export class WorkflowService {
  readonly #deps: WorkflowDeps;

  constructor(deps: WorkflowDeps) {
    this.#deps = deps;
  }

  isAdmin(who: { id: string; groups: readonly string[] }): boolean {
    return inPrincipalSet(this.#deps.admins, who);
  }

  /** Requests a role; a refusal is audited (`grant.refused`) like any other outcome. */
  async request(principal: Principal, input: RequestInput): Promise<Result<GrantOutcome>> {
    return this.#audited(
      principal,
      { attempted: 'request', role: input.role },
      await this.#request(principal, input),
    );
  }

  async #request(principal: Principal, input: RequestInput): Promise<Result<GrantOutcome>> {
    const { store, clock, ids } = this.#deps;
    const role = this.#deps.roles.get(input.role);
    if (!role) {
      return refuse(
        'ERR_UNKNOWN_ROLE',
        `no role ${JSON.stringify(input.role)}; list the roles you may request with \`jit roles\``,
      );
    }
    const now = clock.now();
    const evaluated = evaluateRequest(
      role,
      {
        id: ids.next('g'),
        principal,
        ...(input.accounts === undefined ? {} : { accounts: input.accounts }),
        ...(input.duration === undefined ? {} : { duration: input.duration }),
        ...(input.justification === undefined ? {} : { justification: input.justification }),
        ...(input.ticket === undefined ? {} : { ticket: input.ticket }),
        ...(input.start === undefined ? {} : { start: input.start }),
      },
      now,
      { mfaMaxAge: this.#deps.mfaMaxAge },
    );
    if (!evaluated.ok) return evaluated;
    const cap = this.#deps.maxOpenGrantsPerPerson ?? DEFAULT_MAX_OPEN_GRANTS;
    const mine = await store.listGrants({
      principal: principal.id,
      statuses: OPEN_STATUSES,
      limit: cap,
    });
    if (mine.length >= cap) {
      return refuse(
        'ERR_TOO_MANY_OPEN',
        `${principal.id} already has ${String(mine.length)} open requests and grants, the most one person may have (server.maxOpenGrantsPerPerson); cancel or revoke some with \`jit cancel\` / \`jit revoke\` first`,
        { open: mine.length, maximum: cap },
      );
    }
    const inserted = await insertGrant(store, evaluated.value, now);
    if (!inserted.ok) return inserted;
    this.#changed(inserted.value.transition.alert);
    // Other open grants of the same role: overlap keeps access continuous (ADR 2).
    const overlaps = mine.filter((g) => g.grant.role === role.name).map((g) => g.grant.id);
    return ok({
      grant: inserted.value.transition.grant,
      version: inserted.value.version,
      action: inserted.value.transition.action,
      ...(overlaps.length > 0 ? { overlaps } : {}),
    });
  }

  approve(actor: Actor, grantId: string, comment?: string): Promise<Result<GrantOutcome>> {
    return this.#apply('approve', grantId, {
      type: 'approve',
      actor,
      ...(comment === undefined ? {} : { comment }),
    });
  }

  deny(actor: Actor, grantId: string, comment?: string): Promise<Result<GrantOutcome>> {
    return this.#apply('deny', grantId, {
      type: 'deny',
      actor,
      ...(comment === undefined ? {} : { comment }),
    });
  }

  cancel(actor: Actor, grantId: string, reason?: string): Promise<Result<GrantOutcome>> {
    return this.#apply('cancel', grantId, {
      type: 'cancel',
      actor,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  revoke(actor: Actor, grantId: string, reason?: string): Promise<Result<GrantOutcome>> {
    const why = reason?.trim()
      ? reason.trim()
      : actor.id === ''
        ? 'revoked'
        : `revoked early by ${actor.id}`;
    return this.#apply('revoke', grantId, { type: 'revoke', actor, reason: why });
  }

  async extend(
    principal: Principal,
    grantId: string,
    input: ExtendInput,
  ): Promise<Result<GrantOutcome>> {
    const refused = (result: Result<never>): Promise<Result<GrantOutcome>> =>
      this.#audited(principal, { attempted: 'extend', grantId }, result);
    // Someone who may not see a grant learns nothing about it, not even its status.
    const visible = await this.getGrant(principal, grantId);
    if (!visible.ok) return refused(visible);
    const grant = visible.value.grant;
    if (grant.status !== 'active') {
      return refused(
        refuse(
          'ERR_ILLEGAL_TRANSITION',
          `grant ${grantId} is ${grant.status.replace('_', ' ')}; only an active grant can be extended (request a new one instead)`,
        ),
      );
    }
    const until = input.until ?? (input.by === undefined ? undefined : grant.endsAt + input.by);
    if (until === undefined) {
      return refused(
        refuse(
          'ERR_INVALID_INPUT',
          'say how long to extend by (e.g. --by PT1H) or until when (--until 2026-11-28T18:00:00Z)',
        ),
      );
    }
    return this.#apply('extend', grantId, {
      type: 'extend',
      actor: principal,
      endsAt: until,
      freshMfa: hasFreshMfa(principal, this.#deps.clock.now(), this.#deps.mfaMaxAge),
      ...(input.justification === undefined ? {} : { justification: input.justification }),
      ...(input.ticket === undefined ? {} : { ticket: input.ticket }),
    });
  }

  /** A grant, if the actor may see it: their own, one of a role they approve, or any for admins. */
  async getGrant(actor: Actor, grantId: string): Promise<Result<StoredGrant>> {
    const stored = await this.#deps.store.getGrant(grantId);
    if (!stored || !this.#maySee(actor, stored.grant)) {
      return refuse(
        'ERR_NOT_FOUND',
        `no grant ${grantId} that you may see; list grants with \`jit grants\``,
      );
    }
    return ok(stored);
  }

  async listGrants(
    actor: Actor,
    query: {
      statuses?: readonly GrantStatus[];
      role?: string;
      principal?: string;
      all?: boolean;
      limit?: number;
    },
  ): Promise<readonly StoredGrant[]> {
    const { store, roles } = this.#deps;
    const limit = query.limit ?? 100;
    const filters: GrantQuery = {
      ...(query.statuses ? { statuses: query.statuses } : {}),
      ...(query.role ? { role: query.role } : {}),
      limit,
    };
    const mineOnly = !query.all && query.principal === undefined;
    let rows: readonly StoredGrant[];
    if (mineOnly) {
      rows = await store.listGrants({ ...filters, principal: actor.id });
    } else if (actor.isAdmin) {
      rows = await store.listGrants({
        ...filters,
        ...(query.principal ? { principal: query.principal } : {}),
      });
    } else {
      // Ask only for what this actor may see (their own grants, and those of the roles they
      // approve), so that the page is not filled with rows filtered out afterwards.
      const approved = [...roles.values()]
        .filter((role) => inPrincipalSet(role.activation.approval.approvers, actor))
        .map((role) => role.name);
      const parts: Promise<readonly StoredGrant[]>[] = [];
      if (query.principal === undefined || query.principal === actor.id)
        parts.push(store.listGrants({ ...filters, principal: actor.id }));
      if (approved.length > 0) {
        parts.push(
          store.listGrants({
            ...filters,
            roles: approved,
            ...(query.principal ? { principal: query.principal } : {}),
          }),
        );
      }
      const byId = new Map<string, StoredGrant>();
      for (const part of await Promise.all(parts))
        for (const row of part) byId.set(row.grant.id, row);
      rows = [...byId.values()].sort(newestFirst).slice(0, limit);
    }
    return rows.filter((row) => this.#maySee(actor, row.grant));
  }

  /** Requests and extensions waiting for this actor's approval. */
  async pendingApprovals(actor: Actor): Promise<readonly StoredGrant[]> {
    const { store } = this.#deps;
    // Every pending request and every active grant, not a page of them: a request behind a
    // thousand newer grants still waits for someone.
    const pending = await this.#allGrants({ statuses: ['pending_approval'] });
    const extending = (await store.activeGrants()).filter(
      ({ grant }) => grant.status === 'active' && grant.extension !== undefined,
    );
    return [...pending, ...extending].sort(newestFirst).filter(({ grant }) => {
      const approvals =
        grant.status === 'active' ? (grant.extension?.approvals ?? []) : grant.approvals;
      if (approvals.some((a) => a.approver === actor.id)) return false;
      if (actor.id === grant.principal) return grant.policy.allowSelfApproval;
      return inPrincipalSet(grant.policy.approvers, actor);
    });
  }

  /** The roles this principal may request (eligible first), with their policies. */
  roles(
    principal: { id: string; groups: readonly string[] },
    includeAll = false,
  ): readonly RoleView[] {
    const views = [...this.#deps.roles.values()].map((role) => ({
      role,
      eligible: inPrincipalSet(role.eligibility.members, principal),
    }));
    return views
      .filter((v) => includeAll || v.eligible)
      .sort((a, b) => a.role.name.localeCompare(b.role.name));
  }

  async #apply(
    attempted: string,
    grantId: string,
    event: GrantEvent,
  ): Promise<Result<GrantOutcome>> {
    const refused = (result: Result<never>): Promise<Result<GrantOutcome>> =>
      'actor' in event
        ? this.#audited(event.actor, { attempted, grantId }, result)
        : Promise.resolve(result);
    // Someone who may not see a grant learns nothing about it, not even that it exists.
    if ('actor' in event) {
      const visible = await this.getGrant(event.actor, grantId);
      if (!visible.ok) return refused(visible);
    }
    const result = await applyGrantEvent(this.#deps.store, grantId, event, this.#deps.clock.now());
    if (!result.ok) return refused(result);
    this.#changed(result.value.transition.alert);
    return ok({
      grant: result.value.transition.grant,
      version: result.value.version,
      action: result.value.transition.action,
    });
  }

  /**
   * Audits a refusal (`grant.refused`, with what was attempted and the refusal's code), so
   * that a self-approval, an MFA refusal or a probe of someone else's grant leaves a trace;
   * hands the result back unchanged. A store failure here is logged, never turned into a
   * different answer.
   */
  async #audited<T>(
    actor: Actor,
    attempt: { readonly attempted: string; readonly grantId?: string; readonly role?: string },
    result: Result<T>,
  ): Promise<Result<T>> {
    if (result.ok) return result;
    const { code, message } = result.refusal;
    try {
      await this.#deps.store.transaction((tx) =>
        tx.appendAudit({
          at: this.#deps.clock.now(),
          actor: actor.id,
          action: 'grant.refused',
          ...(attempt.grantId === undefined ? {} : { grantId: attempt.grantId }),
          reason: message,
          severity: SUSPICIOUS_REFUSALS.has(code) ? 'warning' : 'info',
          data: {
            attempted: attempt.attempted,
            code,
            ...(attempt.role === undefined ? {} : { role: attempt.role }),
          },
        }),
      );
    } catch (error) {
      this.#deps.logger.error(
        { code, err: error instanceof Error ? error.message : String(error) },
        'could not audit a refusal',
      );
    }
    return result;
  }

  #allGrants(query: Omit<GrantQuery, 'limit' | 'before'>): Promise<StoredGrant[]> {
    return allGrants(this.#deps.store, query);
  }

  #maySee(actor: Actor, grant: Grant): boolean {
    return (
      actor.id === grant.principal || actor.isAdmin || inPrincipalSet(grant.policy.approvers, actor)
    );
  }

  #changed(alert: string | undefined): void {
    if (alert !== undefined) this.#deps.logger.warn({ alert }, alert);
    this.#deps.onChange?.();
  }
}

/** Refusals worth a second look: someone tried what they may not do. */
const SUSPICIOUS_REFUSALS = new Set<string>([
  'ERR_SELF_APPROVAL',
  'ERR_NOT_APPROVER',
  'ERR_FORBIDDEN',
  'ERR_MFA_REQUIRED',
  'ERR_NOT_ELIGIBLE',
  'ERR_NOT_FOUND',
]);

/** Open requests and grants per person unless the config says otherwise. */
const DEFAULT_MAX_OPEN_GRANTS = 20;

/** The store's order: latest request first, then by id, descending. */
function newestFirst(a: StoredGrant, b: StoredGrant): number {
  const byTime = b.grant.requestedAt - a.grant.requestedAt;
  if (byTime !== 0) return byTime;
  return a.grant.id < b.grant.id ? 1 : a.grant.id > b.grant.id ? -1 : 0;
}
