// Applies one event to one stored grant: read, transition, write with the version read,
// and audit, all in one transaction. Lost races are retried from a fresh read, so two
// approvers clicking at once yield one activation and one clear refusal.
import { refuse, type Result } from '../core/errors.js';
import {
  entitlementKey,
  grantEntitlements,
  grantWindow,
  isEnded,
  type Grant,
  type Instant,
} from '../core/grant.js';
import { transition, type GrantEvent, type Transition } from '../core/transition.js';
import type { AuditInput } from '../audit/audit-entry.js';
import { VersionConflictError, type Store, type StoreTransaction } from './store.js';

const MAX_RACES = 8;

export interface AppliedEvent {
  readonly transition: Transition;
  readonly version: number;
}

/** Applies `event` to grant `grantId` at `now`; refusals (including "not found") are values. */
export async function applyGrantEvent(
  store: Store,
  grantId: string,
  event: GrantEvent,
  now: Instant,
): Promise<Result<AppliedEvent>> {
  for (let race = 0; ; race += 1) {
    try {
      return await store.transaction(async (tx) => {
        const stored = await tx.getGrant(grantId);
        if (!stored)
          return refuse('ERR_NOT_FOUND', `no grant ${grantId}; list grants with \`jit grants\``);
        const result = transition(stored.grant, event, now);
        if (!result.ok) return result;
        const written = await tx.updateGrant(result.value.grant, stored.version);
        await tx.appendAudit(auditForTransition(result.value, now));
        await oweRevocations(tx, result.value.grant, now);
        return { ok: true, value: { transition: result.value, version: written.version } };
      });
    } catch (error) {
      if (error instanceof VersionConflictError && race < MAX_RACES) continue;
      throw error;
    }
  }
}

/** How many events one transaction of `applyGrantEvents` carries. */
export const EVENT_BATCH = 250;

/**
 * Applies many events (the controller's due starts and ends) in transactions of up to
 * `EVENT_BATCH`, each event exactly as `applyGrantEvent` does it: read, transition,
 * versioned write, audit entry, revocations owed. A burst of expiries (a shift ending) costs
 * one commit per batch instead of one per grant. A refused event (the grant moved on) is
 * skipped and reported; a lost race runs its whole batch again from a fresh read.
 */
export async function applyGrantEvents(
  store: Store,
  events: readonly { readonly grantId: string; readonly event: GrantEvent }[],
  now: Instant,
): Promise<Result<AppliedEvent>[]> {
  const results: Result<AppliedEvent>[] = [];
  for (let start = 0; start < events.length; start += EVENT_BATCH) {
    const batch = events.slice(start, start + EVENT_BATCH);
    for (let race = 0; ; race += 1) {
      try {
        results.push(
          ...(await store.transaction(async (tx) => {
            const out: Result<AppliedEvent>[] = [];
            for (const { grantId, event } of batch) {
              const stored = await tx.getGrant(grantId);
              if (!stored) {
                out.push(refuse('ERR_NOT_FOUND', `no grant ${grantId}`));
                continue;
              }
              const result = transition(stored.grant, event, now);
              if (!result.ok) {
                out.push(result);
                continue;
              }
              const written = await tx.updateGrant(result.value.grant, stored.version);
              await tx.appendAudit(auditForTransition(result.value, now));
              await oweRevocations(tx, result.value.grant, now);
              out.push({ ok: true, value: { transition: result.value, version: written.version } });
            }
            return out;
          })),
        );
        break;
      } catch (error) {
        if (error instanceof VersionConflictError && race < MAX_RACES) continue;
        throw error;
      }
    }
  }
  return results;
}

/**
 * When a grant that had access ends, records in the same transaction that its sessions are
 * owed a revocation, one per entitlement, with the person's target id captured at grant
 * time: the controller carries it out, however often it crashes or AWS fails meanwhile.
 */
export async function oweRevocations(
  tx: StoreTransaction,
  grant: Grant,
  now: Instant,
): Promise<void> {
  if (!isEnded(grant.status) || !('hadAccess' in grant) || !grant.hadAccess) return;
  const subjectId = await tx.subjectOf(grant.principal);
  for (const entitlement of grantEntitlements(grant)) {
    await tx.insertRevocation({
      id: `${grant.id}/${entitlementKey(entitlement)}`,
      entitlement,
      grantIds: [grant.id],
      status: 'awaiting_removal',
      createdAt: now,
      attempts: 0,
      ...(subjectId === undefined ? {} : { subjectId }),
    });
  }
}

/** Inserts a new grant and its first transitions (request, then submit) atomically. */
export async function insertGrant(
  store: Store,
  requested: Grant,
  now: Instant,
  write: (tx: StoreTransaction) => Promise<void> = () => Promise.resolve(),
): Promise<Result<AppliedEvent>> {
  return store.transaction(async (tx) => {
    const inserted = await tx.insertGrant(requested);
    await tx.appendAudit({
      at: now,
      actor: requested.principal,
      action: 'grant.requested',
      grantId: requested.id,
      ...(requested.justification === undefined ? {} : { reason: requested.justification }),
      data: grantFacts(requested),
    });
    const submitted = transition(requested, { type: 'submit' }, now);
    if (!submitted.ok)
      throw new Error(`a fresh grant refused submit: ${submitted.refusal.message}`);
    const written = await tx.updateGrant(submitted.value.grant, inserted.version);
    await tx.appendAudit(auditForTransition(submitted.value, now));
    await write(tx);
    return { ok: true, value: { transition: submitted.value, version: written.version } };
  });
}

export function auditForTransition(t: Transition, now: Instant): AuditInput {
  return {
    at: now,
    actor: t.actor,
    action: t.action,
    grantId: t.grant.id,
    ...(t.reason === undefined ? {} : { reason: t.reason }),
    severity: t.alert !== undefined ? 'alert' : t.grant.policy.breakGlass ? 'warning' : 'info',
    data: {
      from: t.from,
      to: t.grant.status,
      ...grantFacts(t.grant),
      ...(t.alert ? { alert: t.alert } : {}),
    },
  };
}

export function grantFacts(grant: Grant): Record<string, unknown> {
  const window = grantWindow(grant);
  return {
    role: grant.role,
    principal: grant.principal,
    accounts: grant.accounts,
    ...(grant.ticket === undefined ? {} : { ticket: grant.ticket }),
    ...(grant.policy.breakGlass ? { breakGlass: true } : {}),
    ...(window
      ? {
          startsAt: new Date(window.startsAt).toISOString(),
          endsAt: new Date(window.endsAt).toISOString(),
        }
      : {}),
  };
}
