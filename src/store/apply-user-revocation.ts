// Ends everything one person holds, in one transaction (the incident command, `jit revoke
// --user <person> --all`): the incident's own audit entry; each open grant through the
// state machine (read, transition, versioned write, audit entry, revocations owed); and a
// removal order, owed like a revocation, for each entitlement no ending grant stands for
// (drift, or access an earlier grant left behind). The controller carries the orders out.
// Lost races are retried from a fresh read, as in applyGrantEvent.
import type { AuditInput } from '../audit/audit-entry.js';
import type { Refusal } from '../core/errors.js';
import type { Entitlement, Instant } from '../core/grant.js';
import { transition, type GrantEvent, type Transition } from '../core/transition.js';
import { auditForTransition, oweRevocations } from './apply-grant-event.js';
import { VersionConflictError, type Store, type StoredGrant } from './store.js';

const MAX_RACES = 8;

export interface UserRevocationWrite {
  readonly grants: readonly { readonly grantId: string; readonly event: GrantEvent }[];
  /** Entitlements whose removal is ordered, each under its revocation id. */
  readonly orders: readonly { readonly id: string; readonly entitlement: Entitlement }[];
  /** Why, as the controller's removal records it. */
  readonly orderReason: string;
  /** The incident's audit entry, given what became of each grant; appended first. */
  readonly incident: (ended: readonly GrantEndWritten[]) => AuditInput;
}

export type GrantEndWritten =
  | { readonly grantId: string; readonly ok: true; readonly transition: Transition }
  | { readonly grantId: string; readonly ok: false; readonly refusal: Refusal };

/** Writes `write` at `now`; a grant whose event is refused (it ended meanwhile) is skipped
 *  and reported, never a reason to write nothing. */
export async function applyUserRevocation(
  store: Store,
  write: UserRevocationWrite,
  now: Instant,
): Promise<readonly GrantEndWritten[]> {
  for (let race = 0; ; race += 1) {
    try {
      return await store.transaction(async (tx) => {
        const ended: GrantEndWritten[] = [];
        const changes: { stored: StoredGrant; transition: Transition }[] = [];
        for (const { grantId, event } of write.grants) {
          const stored = await tx.getGrant(grantId);
          if (!stored) {
            ended.push({
              grantId,
              ok: false,
              refusal: { code: 'ERR_NOT_FOUND', message: `no grant ${grantId}` },
            });
            continue;
          }
          const result = transition(stored.grant, event, now);
          if (!result.ok) {
            ended.push({ grantId, ok: false, refusal: result.refusal });
            continue;
          }
          ended.push({ grantId, ok: true, transition: result.value });
          changes.push({ stored, transition: result.value });
        }
        await tx.appendAudit(write.incident(ended));
        for (const { stored, transition: t } of changes) {
          await tx.updateGrant(t.grant, stored.version);
          await tx.appendAudit(auditForTransition(t, now));
          await oweRevocations(tx, t.grant, now);
        }
        const subjects = new Map<string, string | undefined>();
        for (const { id, entitlement } of write.orders) {
          if (!subjects.has(entitlement.user))
            subjects.set(entitlement.user, await tx.subjectOf(entitlement.user));
          const subjectId = subjects.get(entitlement.user);
          await tx.insertRevocation({
            id,
            entitlement,
            grantIds: [],
            status: 'awaiting_removal',
            createdAt: now,
            attempts: 0,
            order: write.orderReason,
            ...(subjectId === undefined ? {} : { subjectId }),
          });
        }
        return ended;
      });
    } catch (error) {
      if (error instanceof VersionConflictError && race < MAX_RACES) continue;
      throw error;
    }
  }
}
