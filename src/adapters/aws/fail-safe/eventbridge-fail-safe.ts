// The fail-safe expiry inside AWS: one EventBridge Scheduler one-time schedule per active
// entitlement, `at(end + margin)`, whose universal target removes the access itself:
// `identitystore:deleteGroupMembership` for a group membership, `ssoadmin:deleteAccountAssignment`
// for an account assignment; `ActionAfterCompletion: DELETE`, in a schedule group the product
// owns. If every controller is down at the end, AWS still removes the access (sessions
// already issued are not denied: that needs the controller's SCP write).
//
// Names are derived from the entitlement (a hash: the schedule name allows 64 characters of
// [0-9a-zA-Z-_.]), so arming is idempotent: create, or update when it exists.
import { createHash } from 'node:crypto';
import {
  GetGroupMembershipIdCommand,
  type IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleGroupCommand,
  UpdateScheduleCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  assertNever,
  entitlementKey,
  type Entitlement,
  type Instant,
} from '../../../core/grant.js';
import type { ExpiryFailSafe } from '../../../ports/expiry-fail-safe.js';
import { isAwsError } from '../aws-failure.js';
import type { IdentityCenterIds } from '../identity-center-ids.js';

export const DELETE_GROUP_MEMBERSHIP_TARGET =
  'arn:aws:scheduler:::aws-sdk:identitystore:deleteGroupMembership';
export const DELETE_ACCOUNT_ASSIGNMENT_TARGET =
  'arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment';

export interface EventBridgeFailSafeOptions {
  readonly scheduler: Pick<SchedulerClient, 'send'>;
  /** For the membership id the removal names. */
  readonly identityStore: Pick<IdentitystoreClient, 'send'>;
  /** Names to ids, shared with the access target. */
  readonly ids: IdentityCenterIds;
  readonly scheduleGroup: string;
  /** The role EventBridge Scheduler assumes to call Identity Center. */
  readonly roleArn: string;
  /** After the end: the controller removes the access first; the schedule is the fallback. */
  readonly marginMs: number;
}

export class EventBridgeFailSafe implements ExpiryFailSafe {
  readonly #options: EventBridgeFailSafeOptions;
  #group: Promise<void> | undefined;

  constructor(options: EventBridgeFailSafeOptions) {
    this.#options = options;
  }

  async arm(entitlement: Entitlement, endsAt: Instant): Promise<void> {
    await this.#ensureGroup();
    const { scheduler, scheduleGroup, roleArn, marginMs } = this.#options;
    const definition = {
      Name: scheduleName(entitlement),
      GroupName: scheduleGroup,
      ScheduleExpression: atExpression(endsAt + marginMs),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      ActionAfterCompletion: 'DELETE' as const,
      State: 'ENABLED' as const,
      Description: `JIT Access fail-safe: removes ${entitlementKey(entitlement)} if no controller has`,
      Target: { ...(await this.#target(entitlement)), RoleArn: roleArn },
    };
    try {
      await scheduler.send(new CreateScheduleCommand(definition));
    } catch (error) {
      if (!isAwsError(error, 'ConflictException')) throw error;
      await scheduler.send(new UpdateScheduleCommand(definition));
    }
  }

  async disarm(entitlement: Entitlement): Promise<void> {
    try {
      await this.#options.scheduler.send(
        new DeleteScheduleCommand({
          Name: scheduleName(entitlement),
          GroupName: this.#options.scheduleGroup,
        }),
      );
    } catch (error) {
      // Fired already (and deleted after completion), or never armed.
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
    }
  }

  /** The universal target: the API call that removes the access, with its input. */
  async #target(entitlement: Entitlement): Promise<{ Arn: string; Input: string }> {
    const { ids, identityStore } = this.#options;
    switch (entitlement.kind) {
      case 'group-membership': {
        const [userId, groupId] = await Promise.all([
          ids.userId(entitlement.user),
          ids.groupId(entitlement.group),
        ]);
        const { MembershipId } = await identityStore.send(
          new GetGroupMembershipIdCommand({
            IdentityStoreId: ids.identityStoreId,
            GroupId: groupId,
            MemberId: { UserId: userId },
          }),
        );
        return {
          Arn: DELETE_GROUP_MEMBERSHIP_TARGET,
          Input: JSON.stringify({ IdentityStoreId: ids.identityStoreId, MembershipId }),
        };
      }
      case 'account-assignment': {
        const [userId, permissionSetArn] = await Promise.all([
          ids.userId(entitlement.user),
          ids.permissionSetArn(entitlement.permissionSet),
        ]);
        return {
          Arn: DELETE_ACCOUNT_ASSIGNMENT_TARGET,
          Input: JSON.stringify({
            InstanceArn: ids.instanceArn,
            TargetId: entitlement.account,
            TargetType: 'AWS_ACCOUNT',
            PermissionSetArn: permissionSetArn,
            PrincipalType: 'USER',
            PrincipalId: userId,
          }),
        };
      }
      default:
        return assertNever(entitlement);
    }
  }

  /** The schedule group, created once when missing (another replica may race: fine). */
  #ensureGroup(): Promise<void> {
    this.#group ??= (async () => {
      const { scheduler, scheduleGroup } = this.#options;
      try {
        await scheduler.send(new GetScheduleGroupCommand({ Name: scheduleGroup }));
      } catch (error) {
        if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
        try {
          await scheduler.send(new CreateScheduleGroupCommand({ Name: scheduleGroup }));
        } catch (created) {
          if (!isAwsError(created, 'ConflictException')) throw created;
        }
      }
    })().catch((error: unknown) => {
      this.#group = undefined; // try again next time
      throw error;
    });
    return this.#group;
  }
}

/** `jit-` and 40 hex digits of SHA-256 over the entitlement's key: stable, and within the
 *  schedule name's 64 characters. */
export function scheduleName(entitlement: Entitlement): string {
  return `jit-${createHash('sha256').update(entitlementKey(entitlement)).digest('hex').slice(0, 40)}`;
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the next whole second. */
export function atExpression(at: Instant): string {
  const seconds = Math.ceil(at / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}
