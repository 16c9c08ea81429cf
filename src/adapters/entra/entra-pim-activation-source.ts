// The ActivationSource port over Entra ID PIM for Groups (CLOUD-APIS.md D, E): for each
// managed group, everyone who holds its membership right now, read from
// `assignmentScheduleInstances?$filter=groupId eq '{id}'` (all pages).
//
// - Only `member` instances count (an owner is not a member).
// - A principal that is a group is expanded to its transitive user members, each reported
//   with `viaGroup`.
// - Each user becomes a principal id through `EntraDirectory.principalOf` (lower-cased UPN
//   by default); a principal that is neither a user nor a group this app can read, a user
//   without one, or an instance with an unreadable date goes to `unresolved` with the reason.
// - `endsAt` is the instance's `endDateTime`; none means a permanent assignment (standing
//   access, which the workflow mirrors and flags).
// - `key` is `{instance id}/{user object id}`: stable while that person holds that instance.
//
// A group that cannot be read completely (after the Graph client's retries) is reported as
// `{ ok: false }` alone, never as a partial list: a holder missing from a snapshot would be
// revoked. Groups are polled a few at a time (`concurrency`, default 4).
import type { PrivilegedAccessGroupAssignmentScheduleInstance as AssignmentInstance } from '@microsoft/microsoft-graph-types';
import { errorMessage } from '../../core/error-message.js';
import type {
  ActivationSource,
  SourceActivation,
  SourceGroupSnapshot,
} from '../../ports/activation-source.js';
import { silentLogger, type Logger } from '../../ports/logger.js';
import {
  parseInstant,
  PIM_GROUP_PATH,
  type EntraDirectory,
  type EntraGroup,
  type EntraUser,
  type GraphReader,
} from './entra-directory.js';
import { odataString } from './graph-client.js';

export interface EntraPimActivationSourceOptions {
  readonly graph: GraphReader;
  /** Resolves groups and principals, and maps users to principal ids. */
  readonly directory: Pick<
    EntraDirectory,
    'resolveGroup' | 'resolvePrincipal' | 'transitiveUserMembers' | 'principalOf'
  >;
  /** Groups read at the same time; default 4. */
  readonly concurrency?: number;
  readonly logger?: Logger;
}

type Unresolved = { readonly principalId: string; readonly reason: string };

const DEFAULT_CONCURRENCY = 4;

export class EntraPimActivationSource implements ActivationSource {
  readonly kind = 'entra-pim';
  readonly #graph: GraphReader;
  readonly #directory: EntraPimActivationSourceOptions['directory'];
  readonly #concurrency: number;
  readonly #logger: Logger;

  constructor(options: EntraPimActivationSourceOptions) {
    this.#graph = options.graph;
    this.#directory = options.directory;
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    this.#logger = options.logger ?? silentLogger;
  }

  /** One snapshot per given group, in the same order. Never throws for a group's failure. */
  async poll(groups: readonly string[]): Promise<readonly SourceGroupSnapshot[]> {
    const snapshots = new Array<SourceGroupSnapshot>(groups.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const index = next;
        next += 1;
        const group = groups[index] ?? '';
        snapshots[index] = await this.#pollGroup(group);
      }
    };
    const workers = Array.from({ length: Math.min(this.#concurrency, groups.length) }, worker);
    await Promise.all(workers);
    return snapshots;
  }

  async #pollGroup(group: string): Promise<SourceGroupSnapshot> {
    try {
      const { id: groupId } = await this.#directory.resolveGroup(group);
      const instances = await this.#graph.listAll<AssignmentInstance>(
        `${PIM_GROUP_PATH}/assignmentScheduleInstances`,
        { query: { $filter: `groupId eq ${odataString(groupId)}` } },
      );
      const activations: SourceActivation[] = [];
      const unresolved: Unresolved[] = [];
      for (const instance of instances) {
        if (instance.accessId !== 'member') continue;
        if (instance.groupId != null && instance.groupId !== groupId) continue;
        await this.#expand(instance, activations, unresolved);
      }
      activations.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      this.#logger.debug(
        {
          group,
          groupId,
          instances: instances.length,
          activations: activations.length,
          unresolved: unresolved.length,
        },
        'read PIM assignments of a group',
      );
      return { ok: true, group, groupId, activations, unresolved };
    } catch (error) {
      const message = errorMessage(error);
      this.#logger.warn({ group, error: message }, 'could not read PIM assignments of a group');
      return { ok: false, group, error: message };
    }
  }

  /** Adds the people holding one instance, or says why they cannot be named. */
  async #expand(
    instance: AssignmentInstance,
    activations: SourceActivation[],
    unresolved: Unresolved[],
  ): Promise<void> {
    const principalId = instance.principalId ?? '';
    const instanceId = instance.id ?? '';
    if (principalId === '' || instanceId === '') {
      unresolved.push({
        principalId: principalId === '' ? '(none)' : principalId,
        reason: `the assignment instance ${instanceId === '' ? 'without an id' : instanceId} has no ${principalId === '' ? 'principalId' : 'id'}`,
      });
      return;
    }
    const startsAt = parseInstant(instance.startDateTime);
    const endsAt = parseInstant(instance.endDateTime);
    if (startsAt === undefined) {
      unresolved.push({
        principalId,
        reason: `the assignment instance ${instanceId} has no readable startDateTime (${String(instance.startDateTime)})`,
      });
      return;
    }
    if (endsAt === undefined && instance.endDateTime != null && instance.endDateTime !== '') {
      // An unreadable end must not be mistaken for a permanent assignment.
      unresolved.push({
        principalId,
        reason: `the assignment instance ${instanceId} has an unreadable endDateTime (${instance.endDateTime})`,
      });
      return;
    }
    const base = {
      instanceId,
      startsAt,
      ...(endsAt === undefined ? {} : { endsAt }),
      assignmentType: assignmentTypeOf(instance.assignmentType),
    };
    const principal = await this.#directory.resolvePrincipal(principalId);
    switch (principal.kind) {
      case 'user': {
        const activation = this.#activation(base, principal.user, undefined);
        if (activation === undefined) {
          unresolved.push({ principalId, reason: noPrincipalId(principal.user) });
        } else {
          activations.push(activation);
        }
        return;
      }
      case 'group': {
        for (const user of await this.#directory.transitiveUserMembers(principal.group.id)) {
          const activation = this.#activation(base, user, principal.group);
          if (activation === undefined) {
            unresolved.push({
              principalId: user.id,
              reason: `${noPrincipalId(user)} (a member of ${principal.group.displayName})`,
            });
          } else {
            activations.push(activation);
          }
        }
        return;
      }
      case 'missing':
        unresolved.push({
          principalId,
          reason:
            'the principal is neither a user nor a group this app can read (deleted, a service principal, or missing User.Read.All / GroupMember.Read.All)',
        });
        return;
      default:
        return principal satisfies never;
    }
  }

  #activation(
    base: Omit<SourceActivation, 'key' | 'userId' | 'principal' | 'viaGroup'>,
    user: EntraUser,
    viaGroup: EntraGroup | undefined,
  ): SourceActivation | undefined {
    const principal = this.#directory.principalOf(user);
    if (principal === undefined) return undefined;
    return {
      ...base,
      key: `${base.instanceId}/${user.id}`,
      userId: user.id,
      principal,
      ...(viaGroup === undefined
        ? {}
        : { viaGroup: { id: viaGroup.id, displayName: viaGroup.displayName } }),
    };
  }
}

function assignmentTypeOf(value: string | null | undefined): SourceActivation['assignmentType'] {
  return value === 'activated' || value === 'assigned' ? value : 'unknown';
}

function noPrincipalId(user: EntraUser): string {
  return `the user ${user.displayName} (${user.id}) has no userPrincipalName or mail to map to a principal`;
}
