// Activation sources outside JIT Access: today, Entra ID PIM for Groups. A source reports,
// per managed group, the complete set of people who hold it right now and until when; the
// workflow mirrors that into grants, and the controller enforces them like any other grant.
import type { Instant } from '../core/grant.js';

/** One person holding a managed group through one PIM schedule instance. */
export interface SourceActivation {
  /** Stable across polls for as long as this person holds this instance. */
  readonly key: string;
  /** The source's own id of the schedule instance (Entra `assignmentScheduleInstances` id). */
  readonly instanceId: string;
  /** The source's object id of the person (Entra user object id). */
  readonly userId: string;
  /** The person's principal id: UPN / e-mail in lower case, e.g. `alice@example.com`. */
  readonly principal: string;
  /** Set when the person holds it through a group that is itself the PIM principal. */
  readonly viaGroup?: { readonly id: string; readonly displayName: string };
  readonly startsAt: Instant;
  /** Undefined for a permanent assignment: standing access, mirrored and flagged. */
  readonly endsAt?: Instant;
  /** `activated` (eligible member activated) or `assigned` (admin assignment). */
  readonly assignmentType: 'activated' | 'assigned' | 'unknown';
}

/** What a source saw for one managed group in one poll. */
export type SourceGroupSnapshot =
  | {
      readonly ok: true;
      /** The group as the config names it (display name or object id). */
      readonly group: string;
      readonly groupId: string;
      /** Every current holder: a holder absent here no longer holds the group. */
      readonly activations: readonly SourceActivation[];
      /** Principals of instances that could not be mapped to a person, with the reason. */
      readonly unresolved: readonly { readonly principalId: string; readonly reason: string }[];
    }
  | {
      readonly ok: false;
      readonly group: string;
      /** Why this group could not be read; nothing may be concluded about its holders. */
      readonly error: string;
    };

export interface ActivationSource {
  readonly kind: 'entra-pim';
  /** Reads the current holders of each of the given groups (display names or object ids). */
  poll(groups: readonly string[]): Promise<readonly SourceGroupSnapshot[]>;
}
