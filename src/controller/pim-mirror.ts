// Mirrors Entra PIM activations into grants. Each poll of a managed group is a complete list
// of its holders, so the mirror is level-triggered: a holder without an open grant gets one
// (active at once, ending at the PIM end time); a grant whose holder is gone is revoked; an
// end moved in PIM moves the grant's end. The controller then enforces these grants like any
// other, and ends them at their end even when Graph cannot be reached.
import type { ActiveGrant, Instant } from '../core/grant.js';
import { OPEN_STATUSES } from '../core/grant.js';
import { JitError } from '../core/errors.js';
import { errorMessage } from '../core/error-message.js';
import { ENTRA_PIM_ACTOR, mirroredEnd, mirrorActivation } from '../core/source-grant.js';
import type { Role } from '../core/role.js';
import type { SourceActivation, SourceGroupSnapshot } from '../ports/activation-source.js';
import type { Clock } from '../ports/clock.js';
import type { Ids } from '../ports/ids.js';
import type { Logger } from '../ports/logger.js';
import type { AuditInput } from '../audit/audit-entry.js';
import type { GrantQuery, Store, StoredGrant } from '../store/store.js';
import { applyGrantEvent, grantFacts } from '../store/apply-grant-event.js';

/** A grant this close to its end is left to expire rather than revoked when PIM drops it
 *  (Entra removes an expired member within seconds; it is not an early deactivation). */
const EXPIRY_GRACE_MS = 60_000;
/** After a mirrored grant failed (e.g. no Identity Center user), wait this long before trying
 *  again, doubling per failure up to the cap. */
const RETRY_BASE_MS = 30_000;
const RETRY_CAP_MS = 30 * 60_000;
/** An instance whose start is further ahead than this is not yet in force. */
const START_SKEW_MS = 60_000;
const PAGE = 1000;

/** An audit entry the mirror writes as the source itself (actor `source:entra-pim`). */
type SourceAudit = Omit<AuditInput, 'at' | 'actor'> & {
  readonly severity: 'info' | 'warning' | 'alert';
  readonly reason: string;
};

export interface PimMirrorDeps {
  readonly store: Store;
  readonly roles: ReadonlyMap<string, Role>;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly logger: Logger;
  /** Called after every change, to wake the controller. */
  readonly onChange?: () => void;
}

export interface MirrorOutcome {
  readonly role: string;
  readonly group: string;
  readonly ok: boolean;
  readonly created: number;
  readonly updated: number;
  readonly revoked: number;
  readonly unresolved: number;
  readonly error?: string;
}

export class PimMirror {
  readonly #deps: PimMirrorDeps;
  /** Roles by the Entra group that drives them. */
  readonly #byGroup = new Map<string, Role>();
  /** Problems already audited, so a poll every 10 s does not repeat them. */
  readonly #reported = new Set<string>();
  /** Roles whose last read failed (reported once per outage). */
  readonly #failing = new Set<string>();

  constructor(deps: PimMirrorDeps) {
    this.#deps = deps;
    for (const role of deps.roles.values()) {
      if (role.source === 'entra-pim') this.#byGroup.set(role.entraGroup ?? role.group, role);
    }
  }

  /** The Entra groups to poll: display names or object ids, as the config names them. */
  get groups(): readonly string[] {
    return [...this.#byGroup.keys()];
  }

  /** Ends the open mirrored grants of roles that are no longer activated in Entra PIM (the
   *  role left the config, or became native): nothing would ever revoke them otherwise.
   *  Run at start; returns how many it ended. */
  async endOrphans(): Promise<number> {
    let ended = 0;
    for (const stored of await this.#all({ statuses: OPEN_STATUSES })) {
      const source = stored.grant.source;
      if (!source) continue;
      const role = this.#deps.roles.get(stored.grant.role);
      if (role?.source === 'entra-pim') continue;
      const result = await applyGrantEvent(
        this.#deps.store,
        stored.grant.id,
        {
          type: 'revoke',
          actor: ENTRA_PIM_ACTOR,
          reason: role
            ? `role ${stored.grant.role} is no longer activated in Entra PIM (source: ${role.source}); its mirrored grants end`
            : `role ${stored.grant.role} is no longer in the config; its mirrored Entra PIM grants end`,
        },
        this.#deps.clock.now(),
      );
      if (result.ok) ended += 1;
    }
    if (ended > 0) this.#deps.onChange?.();
    return ended;
  }

  /** Applies one poll's snapshots; a failed snapshot changes nothing for its group, and an
   *  error while applying one group's snapshot does not stop the others. `stillLeading` is
   *  asked before each group: a process that lost the lease mid-poll stops writing. */
  async sync(
    snapshots: readonly SourceGroupSnapshot[],
    stillLeading: () => boolean = () => true,
  ): Promise<readonly MirrorOutcome[]> {
    const outcomes: MirrorOutcome[] = [];
    for (const snapshot of snapshots) {
      const role = this.#byGroup.get(snapshot.group);
      if (!role || !stillLeading()) continue;
      try {
        outcomes.push(await this.#syncGroup(role, snapshot));
      } catch (error) {
        const message = errorMessage(error);
        this.#deps.logger.error(
          { role: role.name, group: snapshot.group, err: message },
          'mirroring Entra PIM failed for this group; will try again at the next poll',
        );
        const none = { created: 0, updated: 0, revoked: 0, unresolved: 0 };
        outcomes.push({
          role: role.name,
          group: snapshot.group,
          ok: false,
          ...none,
          error: message,
        });
      }
    }
    if (outcomes.some((o) => o.created + o.updated + o.revoked > 0)) this.#deps.onChange?.();
    return outcomes;
  }

  async #syncGroup(role: Role, snapshot: SourceGroupSnapshot): Promise<MirrorOutcome> {
    const base = { role: role.name, group: snapshot.group };
    if (!snapshot.ok) {
      if (!this.#failing.has(role.name)) {
        this.#failing.add(role.name);
        await this.#audit({
          action: 'source.read_failed',
          severity: 'warning',
          reason: `could not read the Entra PIM holders of ${snapshot.group} (role ${role.name}): ${snapshot.error}; nothing is granted or revoked for it until a read succeeds, and grants still end on time`,
          data: { role: role.name, group: snapshot.group },
        });
      }
      const none = { created: 0, updated: 0, revoked: 0, unresolved: 0 };
      return { ...base, ok: false, ...none, error: snapshot.error };
    }
    if (this.#failing.delete(role.name)) {
      await this.#audit({
        action: 'source.read_recovered',
        severity: 'info',
        reason: `reading the Entra PIM holders of ${snapshot.group} (role ${role.name}) works again`,
        data: { role: role.name, group: snapshot.group },
      });
    }
    const now = this.#deps.clock.now();
    for (const problem of snapshot.unresolved) {
      await this.#reportOnce(`unresolved:${snapshot.groupId}:${problem.principalId}`, {
        action: 'source.principal_unresolved',
        severity: 'alert',
        reason: `an Entra PIM holder of ${snapshot.group} (principal ${problem.principalId}) cannot be mapped to a person: ${problem.reason}; it gets no access until it can, and is retried at every poll`,
        data: { role: role.name, group: snapshot.group, principalId: problem.principalId },
      });
    }

    const open = await this.#all({ role: role.name, statuses: OPEN_STATUSES });
    const openByKey = new Map<string, StoredGrant[]>();
    for (const stored of open) {
      const key = stored.grant.source?.key;
      if (key === undefined) continue;
      openByKey.set(key, [...(openByKey.get(key) ?? []), stored]);
    }
    let created = 0;
    let updated = 0;
    let revoked = 0;
    const revoke = async (stored: StoredGrant, reason: string): Promise<void> => {
      const result = await applyGrantEvent(
        this.#deps.store,
        stored.grant.id,
        { type: 'revoke', actor: ENTRA_PIM_ACTOR, reason },
        this.#deps.clock.now(),
      );
      if (result.ok) revoked += 1;
    };
    // One holder per key: a page that repeats an item must not mirror it twice.
    const byKey = new Map<string, SourceActivation>();
    for (const activation of snapshot.activations) {
      const seen = byKey.get(activation.key);
      if (!seen || (seen.endsAt !== undefined && (activation.endsAt ?? Infinity) > seen.endsAt))
        byKey.set(activation.key, activation);
    }
    for (const activation of byKey.values()) {
      if (activation.startsAt > now + START_SKEW_MS) {
        byKey.delete(activation.key); // not yet in force
        continue;
      }
      const [current, ...extra] = [...(openByKey.get(activation.key) ?? [])].sort(
        (x, y) => endOf(y) - endOf(x),
      );
      for (const duplicate of extra) {
        await revoke(
          duplicate,
          `a second grant for the same Entra PIM activation ${activation.instanceId}`,
        );
      }
      if (activation.endsAt !== undefined && activation.endsAt <= now) {
        // PIM ended it (perhaps cut short) but still lists it for a moment: end ours now.
        if (current && current.grant.status === 'active' && current.grant.endsAt > now) {
          await revoke(
            current,
            `its Entra PIM end moved to ${new Date(activation.endsAt).toISOString()}, already past`,
          );
        }
        continue;
      }
      if (current) {
        if (await this.#update(current, activation)) updated += 1;
        continue;
      }
      const history = await this.#history(role.name, activation.key);
      if (!(await this.#mayCreate(role, activation, history, now))) continue;
      if (await this.#create(role, activation, snapshot.groupId, history.length > 0)) created += 1;
    }
    for (const [key, grants] of openByKey) {
      if (byKey.has(key)) continue;
      for (const stored of grants) {
        if (stored.grant.status === 'active' && stored.grant.endsAt <= now + EXPIRY_GRACE_MS)
          continue;
        await revoke(
          stored,
          `its Entra PIM activation in ${snapshot.group} ended before its end time (deactivated or removed in PIM)`,
        );
      }
    }
    return {
      ...base,
      ok: true,
      created,
      updated,
      revoked,
      unresolved: snapshot.unresolved.length,
    };
  }

  /** Whether a holder with no open grant gets one now, given the earlier grants of its key. */
  async #mayCreate(
    role: Role,
    activation: SourceActivation,
    history: readonly StoredGrant[],
    now: Instant,
  ): Promise<boolean> {
    const latest = history[0]?.grant;
    if (!latest || !('endedAt' in latest)) return true;
    if (latest.status === 'expired') return true;
    if (latest.status === 'revoked' && latest.endedBy !== ENTRA_PIM_ACTOR.id) {
      // Someone revoked it here; PIM still shows it. Ours is the stricter answer: keep it off.
      await this.#reportOnce(`overridden:${activation.key}`, {
        action: 'source.activation_overridden',
        severity: 'warning',
        grantId: latest.id,
        reason: `${activation.principal} still holds ${role.name} in Entra PIM, but grant ${latest.id} was revoked here by ${latest.endedBy}; no access until the PIM activation ends and a new one starts. Remove it in PIM too.`,
        data: { role: role.name, instanceId: activation.instanceId },
      });
      return false;
    }
    if (latest.status === 'failed') {
      const failures = history.filter((g) => g.grant.status === 'failed').length;
      const wait = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, failures - 1));
      return now >= latest.endedAt + wait;
    }
    return true;
  }

  async #create(
    role: Role,
    activation: SourceActivation,
    groupId: string,
    retry: boolean,
  ): Promise<boolean> {
    const { clock, ids, logger } = this.#deps;
    const now = clock.now();
    const mirrored = mirrorActivation(role, activation, groupId, ids.next('g'), now);
    if (!mirrored.ok) {
      logger.warn(
        { role: role.name, err: mirrored.refusal.message },
        'PIM activation not mirrored',
      );
      return false;
    }
    const grant = mirrored.value;
    try {
      await this.#insert(grant, activation, role, groupId, retry, now);
    } catch (error) {
      // Another poller mirrored it first (one open grant per key): nothing to do.
      if (error instanceof JitError && error.code === 'ERR_CONFLICT') return false;
      throw error;
    }
    return true;
  }

  async #insert(
    grant: ActiveGrant,
    activation: SourceActivation,
    role: Role,
    groupId: string,
    retry: boolean,
    now: Instant,
  ): Promise<void> {
    const standing = grant.source?.standing === true;
    const via = activation.viaGroup ? ` through group ${activation.viaGroup.displayName}` : '';
    await this.#deps.store.transaction(async (tx) => {
      await tx.insertGrant(grant);
      await tx.appendAudit({
        at: now,
        actor: ENTRA_PIM_ACTOR.id,
        action: 'grant.activated',
        grantId: grant.id,
        reason: standing
          ? `standing access: ${activation.principal} holds ${role.name} by a permanent Entra PIM assignment${via}`
          : `${activation.principal} activated ${role.name} in Entra PIM${via}, until ${new Date(grant.endsAt).toISOString()}${retry ? ' (tried again after an earlier failure)' : ''}`,
        severity: standing ? 'alert' : grant.policy.breakGlass ? 'warning' : 'info',
        data: {
          from: 'none',
          to: 'active',
          ...grantFacts(grant),
          source: {
            kind: 'entra-pim',
            instanceId: activation.instanceId,
            groupId,
            assignmentType: activation.assignmentType,
            ...(activation.viaGroup ? { viaGroup: activation.viaGroup } : {}),
            ...(standing ? { standing: true } : {}),
          },
        },
      });
    });
  }

  /** Moves the grant's end when PIM moved it, or renews a standing lease; false when the
   *  end is right as it is. */
  async #update(current: StoredGrant, activation: SourceActivation): Promise<boolean> {
    const now = this.#deps.clock.now();
    const next = mirroredEnd(current.grant, activation, now);
    if (!next) return false;
    const wasStanding = current.grant.source?.standing === true;
    const result = await applyGrantEvent(
      this.#deps.store,
      current.grant.id,
      {
        type: 'source-update',
        endsAt: next.endsAt,
        standing: next.standing,
        reason: next.standing
          ? wasStanding
            ? `standing access confirmed in Entra PIM; renewed until ${new Date(next.endsAt).toISOString()}`
            : 'its Entra PIM assignment became permanent'
          : `its Entra PIM end moved to ${new Date(next.endsAt).toISOString()}`,
      },
      now,
    );
    return result.ok;
  }

  /** The ended grants that mirrored this activation, the most recently ended first. */
  async #history(role: string, key: string): Promise<StoredGrant[]> {
    const ended = await this.#deps.store.listGrants({
      role,
      sourceKey: key,
      statuses: ['revoked', 'failed', 'expired'],
      limit: 100,
    });
    return [...ended].sort((x, y) => endedAt(y) - endedAt(x));
  }

  async #all(query: Omit<GrantQuery, 'limit' | 'before'>): Promise<StoredGrant[]> {
    const all: StoredGrant[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await this.#deps.store.listGrants({
        ...query,
        limit: PAGE,
        ...(before === undefined ? {} : { before }),
      });
      all.push(...page);
      if (page.length < PAGE) return all;
      before = page[page.length - 1]?.grant.id;
    }
  }

  async #reportOnce(key: string, entry: SourceAudit): Promise<void> {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    await this.#audit(entry);
  }

  async #audit(entry: SourceAudit): Promise<void> {
    const log = entry.severity === 'info' ? 'info' : 'warn';
    this.#deps.logger[log]({ action: entry.action }, entry.reason);
    await this.#deps.store.transaction(async (tx) => {
      await tx.appendAudit({ at: this.#deps.clock.now(), actor: ENTRA_PIM_ACTOR.id, ...entry });
    });
  }
}

function endOf(stored: StoredGrant): Instant {
  return stored.grant.status === 'active' || stored.grant.status === 'scheduled'
    ? stored.grant.endsAt
    : 0;
}

function endedAt(stored: StoredGrant): Instant {
  return 'endedAt' in stored.grant ? stored.grant.endedAt : 0;
}
