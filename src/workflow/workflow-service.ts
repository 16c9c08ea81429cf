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
import { applyGrantEvent, insertGrant } from './apply-grant-event.js';

export interface WorkflowDeps {
  readonly store: Store;
  readonly roles: ReadonlyMap<string, Role>;
  readonly admins: PrincipalSet;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly logger: Logger;
  readonly mfaMaxAge: Millis;
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

  async request(principal: Principal, input: RequestInput): Promise<Result<GrantOutcome>> {
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
    const open = await store.listGrants({
      principal: principal.id,
      role: role.name,
      statuses: OPEN_STATUSES,
      limit: 20,
    });
    const inserted = await insertGrant(store, evaluated.value, now);
    if (!inserted.ok) return inserted;
    this.#changed(inserted.value.transition.alert);
    const overlaps = open.map((g) => g.grant.id);
    return ok({
      grant: inserted.value.transition.grant,
      version: inserted.value.version,
      action: inserted.value.transition.action,
      ...(overlaps.length > 0 ? { overlaps } : {}),
    });
  }

  approve(actor: Actor, grantId: string, comment?: string): Promise<Result<GrantOutcome>> {
    return this.#apply(grantId, {
      type: 'approve',
      actor,
      ...(comment === undefined ? {} : { comment }),
    });
  }

  deny(actor: Actor, grantId: string, comment?: string): Promise<Result<GrantOutcome>> {
    return this.#apply(grantId, {
      type: 'deny',
      actor,
      ...(comment === undefined ? {} : { comment }),
    });
  }

  cancel(actor: Actor, grantId: string, reason?: string): Promise<Result<GrantOutcome>> {
    return this.#apply(grantId, {
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
    return this.#apply(grantId, { type: 'revoke', actor, reason: why });
  }

  async extend(
    principal: Principal,
    grantId: string,
    input: ExtendInput,
  ): Promise<Result<GrantOutcome>> {
    // Someone who may not see a grant learns nothing about it, not even its status.
    const visible = await this.getGrant(principal, grantId);
    if (!visible.ok) return visible;
    const grant = visible.value.grant;
    if (grant.status !== 'active') {
      return refuse(
        'ERR_ILLEGAL_TRANSITION',
        `grant ${grantId} is ${grant.status.replace('_', ' ')}; only an active grant can be extended (request a new one instead)`,
      );
    }
    const until = input.until ?? (input.by === undefined ? undefined : grant.endsAt + input.by);
    if (until === undefined) {
      return refuse(
        'ERR_INVALID_INPUT',
        'say how long to extend by (e.g. --by PT1H) or until when (--until 2026-11-28T18:00:00Z)',
      );
    }
    return this.#apply(grantId, {
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

  async #apply(grantId: string, event: GrantEvent): Promise<Result<GrantOutcome>> {
    // Someone who may not see a grant learns nothing about it, not even that it exists.
    if ('actor' in event) {
      const visible = await this.getGrant(event.actor, grantId);
      if (!visible.ok) return visible;
    }
    const result = await applyGrantEvent(this.#deps.store, grantId, event, this.#deps.clock.now());
    if (!result.ok) return result;
    this.#changed(result.value.transition.alert);
    return ok({
      grant: result.value.transition.grant,
      version: result.value.version,
      action: result.value.transition.action,
    });
  }

  /** Every grant matching `query`, page by page. */
  async #allGrants(query: Omit<GrantQuery, 'limit' | 'before'>): Promise<StoredGrant[]> {
    const rows: StoredGrant[] = [];
    for (let before: string | undefined; ;) {
      const page = await this.#deps.store.listGrants({
        ...query,
        limit: PAGE,
        ...(before === undefined ? {} : { before }),
      });
      rows.push(...page);
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE) return rows;
      before = last.grant.id;
    }
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

/** Rows per query when reading every row of a kind (the store's maximum). */
const PAGE = 1000;

/** The store's order: latest request first, then by id, descending. */
function newestFirst(a: StoredGrant, b: StoredGrant): number {
  const byTime = b.grant.requestedAt - a.grant.requestedAt;
  if (byTime !== 0) return byTime;
  return a.grant.id < b.grant.id ? 1 : a.grant.id > b.grant.id ? -1 : 0;
}
