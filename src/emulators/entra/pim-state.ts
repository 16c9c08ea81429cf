// PIM for Groups state: assignment and eligibility schedules, schedule requests, approvals
// and the per-group policies. An active member assignment *is* the group membership: when a
// schedule starts the principal is added to the group, and when it ends (by the clock) it
// is removed, through the directory, so members, transitive members and delta all see it.
// Direct members of an onboarded group are permanent `assigned` schedules, as in Entra.

import { randomUUID } from 'node:crypto';
import type {
  ExpirationPatternType,
  ScheduleRequestActions,
} from '@microsoft/microsoft-graph-types';
import type { EntraDirectory } from './entra-directory.js';
import { createPolicy, type AccessId, type PimPolicy } from './pim-policy.js';

export type ScheduleKind = 'assignment' | 'eligibility';

export interface PimSchedule {
  readonly id: string;
  readonly kind: ScheduleKind;
  readonly groupId: string;
  readonly principalId: string;
  readonly accessId: AccessId;
  start: number;
  /** Undefined: permanent. */
  end: number | undefined;
  /** Assignments: `activated` by selfActivate, else `assigned`. */
  readonly assignmentType: 'assigned' | 'activated';
  /** `group` when the eligibility used was held through a group. */
  readonly memberType: 'direct' | 'group';
  /** The request that created it. */
  createdUsing: string | undefined;
  readonly activatedUsing: string | undefined;
  readonly createdAt: number;
  modifiedAt: number;
  /** Whether its membership has been added (a future start has not yet). */
  applied: boolean;
}

export interface ScheduleInfoRecord {
  readonly startDateTime: string | null;
  readonly expiration: {
    readonly type: ExpirationPatternType;
    readonly duration: string | null;
    readonly endDateTime: string | null;
  };
}

export interface PimRequest {
  readonly id: string;
  readonly kind: ScheduleKind;
  readonly action: ScheduleRequestActions;
  readonly groupId: string;
  readonly principalId: string;
  readonly accessId: AccessId;
  status: string;
  readonly createdAt: number;
  completedAt: number | undefined;
  approvalId: string | undefined;
  readonly justification: string | null;
  readonly ticketInfo: { ticketNumber: string | null; ticketSystem: string | null };
  readonly scheduleInfo: ScheduleInfoRecord;
  readonly createdBy: {
    readonly kind: 'user' | 'app';
    readonly id: string;
    readonly displayName: string | null;
  };
  targetScheduleId: string | undefined;
  readonly isValidationOnly: boolean;
  /** For a request waiting for approval: what to create when approved. */
  readonly pending?: {
    readonly start: number;
    readonly durationMs: number;
    readonly memberType: 'direct' | 'group';
    readonly activatedUsing: string | undefined;
    readonly eligibilityEnd: number | undefined;
  };
}

export interface ApprovalStageRecord {
  readonly id: string;
  readonly displayName: string | null;
  status: 'InProgress' | 'Completed' | 'Expired';
  reviewResult: 'NotReviewed' | 'Approve' | 'Deny';
  justification: string | null;
  reviewedBy: { id: string; displayName: string } | null;
  reviewedAt: number | undefined;
  readonly approvers: readonly { readonly kind: 'user' | 'group'; readonly id: string }[];
  readonly justificationRequired: boolean;
}

export interface PimApproval {
  readonly id: string;
  readonly requestId: string;
  readonly stages: ApprovalStageRecord[];
}

export class PimState {
  readonly schedules = new Map<string, PimSchedule>();
  readonly requests = new Map<string, PimRequest>();
  readonly approvals = new Map<string, PimApproval>();
  /** By policy id. */
  readonly policies = new Map<string, PimPolicy>();
  readonly #onboarded = new Set<string>();

  constructor(private readonly directory: EntraDirectory) {}

  isOnboarded(groupId: string): boolean {
    return this.#onboarded.has(groupId);
  }

  /**
   * Brings a group under PIM: creates its member and owner policies and turns its direct
   * members into permanent assignments (as Entra shows them).
   */
  onboard(groupId: string, now: number): void {
    if (this.#onboarded.has(groupId)) return;
    this.#onboarded.add(groupId);
    for (const accessId of ['member', 'owner'] as const) {
      const policy = createPolicy(groupId, accessId);
      this.policies.set(policy.id, policy);
    }
    for (const memberId of this.directory.members(groupId)) {
      this.#addSchedule({
        kind: 'assignment',
        groupId,
        principalId: memberId,
        accessId: 'member',
        start: now,
        end: undefined,
        assignmentType: 'assigned',
        memberType: 'direct',
        createdUsing: undefined,
        activatedUsing: undefined,
        now,
        applied: true,
      });
    }
  }

  policyFor(groupId: string, accessId: AccessId): PimPolicy | undefined {
    for (const policy of this.policies.values())
      if (policy.groupId === groupId && policy.accessId === accessId) return policy;
    return undefined;
  }

  #addSchedule(
    input: Omit<PimSchedule, 'id' | 'createdAt' | 'modifiedAt'> & { now: number },
  ): PimSchedule {
    const { now, ...rest } = input;
    const schedule: PimSchedule = { id: randomUUID(), createdAt: now, modifiedAt: now, ...rest };
    this.schedules.set(schedule.id, schedule);
    return schedule;
  }

  /** Creates a schedule and, when it has started, the membership it grants. */
  createSchedule(
    input: Omit<PimSchedule, 'id' | 'createdAt' | 'modifiedAt' | 'applied'>,
    now: number,
  ): PimSchedule {
    const schedule = this.#addSchedule({ ...input, now, applied: false });
    this.settle(now);
    return schedule;
  }

  /** Ends a schedule now: it disappears and its membership (if any) is removed. */
  removeSchedule(schedule: PimSchedule): void {
    this.schedules.delete(schedule.id);
    if (schedule.applied) this.#unapply(schedule);
  }

  /** A permanent assigned membership (seed, or `members/$ref` on an onboarded group). */
  assignPermanent(groupId: string, principalId: string, now: number): void {
    if (this.activeSchedules('assignment', groupId, principalId, 'member').length > 0) return;
    this.createSchedule(
      {
        kind: 'assignment',
        groupId,
        principalId,
        accessId: 'member',
        start: now,
        end: undefined,
        assignmentType: 'assigned',
        memberType: 'direct',
        createdUsing: undefined,
        activatedUsing: undefined,
      },
      now,
    );
  }

  /** A permanent eligibility (seed). */
  makeEligible(groupId: string, principalId: string, now: number): void {
    if (this.activeSchedules('eligibility', groupId, principalId, 'member').length > 0) return;
    this.createSchedule(
      {
        kind: 'eligibility',
        groupId,
        principalId,
        accessId: 'member',
        start: now,
        end: undefined,
        assignmentType: 'assigned',
        memberType: 'direct',
        createdUsing: undefined,
        activatedUsing: undefined,
      },
      now,
    );
  }

  /** Removes every member assignment of the principal in the group (`members/$ref` DELETE). */
  removeMemberAssignments(groupId: string, principalId: string): void {
    for (const schedule of [...this.schedules.values()]) {
      if (
        schedule.kind === 'assignment' &&
        schedule.groupId === groupId &&
        schedule.principalId === principalId &&
        schedule.accessId === 'member'
      )
        this.removeSchedule(schedule);
    }
  }

  /** Schedules of the kind for the group (and principal, access) that have started and not ended. */
  activeSchedules(
    kind: ScheduleKind,
    groupId?: string,
    principalId?: string,
    accessId?: AccessId,
  ): PimSchedule[] {
    return [...this.schedules.values()].filter(
      (s) =>
        s.kind === kind &&
        s.applied &&
        (groupId === undefined || s.groupId === groupId) &&
        (principalId === undefined || s.principalId === principalId) &&
        (accessId === undefined || s.accessId === accessId),
    );
  }

  /** Starts schedules whose start has come and ends those whose end has; true when any changed. */
  settle(now: number): boolean {
    let changed = false;
    for (const schedule of [...this.schedules.values()]) {
      if (schedule.end !== undefined && schedule.end <= now) {
        this.removeSchedule(schedule);
        changed = true;
      } else if (!schedule.applied && schedule.start <= now) {
        schedule.applied = true;
        if (schedule.kind === 'assignment' && schedule.accessId === 'member')
          this.directory.addMember(schedule.groupId, schedule.principalId);
        changed = true;
      }
    }
    return changed;
  }

  /** The next start or end of any schedule. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const schedule of this.schedules.values()) {
      const at = schedule.applied ? schedule.end : schedule.start;
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  #unapply(schedule: PimSchedule): void {
    if (schedule.kind !== 'assignment' || schedule.accessId !== 'member') return;
    const still = this.activeSchedules(
      'assignment',
      schedule.groupId,
      schedule.principalId,
      'member',
    );
    if (still.length === 0) this.directory.removeMember(schedule.groupId, schedule.principalId);
  }
}
