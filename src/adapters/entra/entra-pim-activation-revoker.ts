// The ActivationRevoker port over Entra ID PIM for Groups: what one person holds in each
// managed group (`eligibilityScheduleInstances` and `assignmentScheduleInstances`, filtered
// on the group, member access only), and its removal with an `adminRemove` schedule request
// (`eligibilityScheduleRequests` / `assignmentScheduleRequests`), as an administrator with
// the app's own token (PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup and
// PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup).
//
// - A holding through a group (the PIM principal is a group the person is in, directly or
//   transitively) is reported with `viaGroup`; removing it would remove the whole group, so
//   `remove` refuses it.
// - `RoleAssignmentDoesNotExist` from an `adminRemove` means it is already gone: done.
// - A person Entra does not know holds nothing; a Graph failure marks each group unread.
import type {
  PrivilegedAccessGroupAssignmentScheduleInstance as AssignmentInstance,
  PrivilegedAccessGroupEligibilityScheduleInstance as EligibilityInstance,
} from '@microsoft/microsoft-graph-types';
import { errorMessage } from '../../core/error-message.js';
import type { PimHolding } from '../../core/user-revocation.js';
import type {
  ActivationRevoker,
  SourceGroupRef,
  SourceHoldings,
  SourceRemoval,
} from '../../ports/activation-revoker.js';
import { parseInstant, PIM_GROUP_PATH, type EntraDirectory } from './entra-directory.js';
import { odataString, type GraphClient } from './graph-client.js';
import { GraphError } from './graph-errors.js';

export interface EntraPimActivationRevokerOptions {
  readonly graph: Pick<GraphClient, 'listAll' | 'post'>;
  readonly directory: Pick<
    EntraDirectory,
    'findEntraUser' | 'resolveGroup' | 'resolvePrincipal' | 'transitiveUserMembers'
  >;
}

type Instance = EligibilityInstance | AssignmentInstance;

const KINDS = [
  {
    kind: 'assignment',
    instances: 'assignmentScheduleInstances',
    requests: 'assignmentScheduleRequests',
  },
  {
    kind: 'eligibility',
    instances: 'eligibilityScheduleInstances',
    requests: 'eligibilityScheduleRequests',
  },
] as const;

export class EntraPimActivationRevoker implements ActivationRevoker {
  readonly kind = 'entra-pim';
  readonly #graph: EntraPimActivationRevokerOptions['graph'];
  readonly #directory: EntraPimActivationRevokerOptions['directory'];

  constructor(options: EntraPimActivationRevokerOptions) {
    this.#graph = options.graph;
    this.#directory = options.directory;
  }

  async holdings(
    principal: string,
    groups: readonly SourceGroupRef[],
  ): Promise<readonly SourceHoldings[]> {
    let userId: string | undefined;
    try {
      userId = (await this.#directory.findEntraUser(principal))?.id;
    } catch (error) {
      const message = `could not look ${principal} up in Entra: ${errorMessage(error)}`;
      return groups.map((group) => ({ ok: false, group, error: message }));
    }
    const results: SourceHoldings[] = [];
    for (const group of groups) {
      if (userId === undefined) {
        results.push({ ok: true, group, holdings: [] });
        continue;
      }
      try {
        results.push({ ok: true, group, holdings: await this.#groupHoldings(userId, group) });
      } catch (error) {
        results.push({ ok: false, group, error: errorMessage(error) });
      }
    }
    return results;
  }

  async remove(holding: PimHolding, justification: string): Promise<SourceRemoval> {
    if (holding.viaGroup !== undefined) {
      return {
        state: 'failed',
        message: `held through group ${holding.viaGroup}; removing it would remove everyone in that group`,
      };
    }
    const kind = KINDS.find((k) => k.kind === holding.kind);
    if (kind === undefined) return { state: 'failed', message: `unknown kind ${holding.kind}` };
    try {
      await this.#graph.post(`${PIM_GROUP_PATH}/${kind.requests}`, {
        action: 'adminRemove',
        accessId: 'member',
        principalId: holding.principalId,
        groupId: holding.groupId,
        justification,
      });
    } catch (error) {
      if (error instanceof GraphError && error.graphCode === 'RoleAssignmentDoesNotExist') {
        return { state: 'done', detail: `the ${holding.kind} was already gone` };
      }
      return { state: 'failed', message: errorMessage(error) };
    }
    return {
      state: 'done',
      detail: `adminRemove of the ${holding.kind} (instance ${holding.instanceId}) accepted`,
    };
  }

  async #groupHoldings(userId: string, ref: SourceGroupRef): Promise<PimHolding[]> {
    const group = await this.#directory.resolveGroup(ref.group);
    const holdings: PimHolding[] = [];
    for (const { kind, instances } of KINDS) {
      const found = await this.#graph.listAll<Instance>(`${PIM_GROUP_PATH}/${instances}`, {
        query: { $filter: `groupId eq ${odataString(group.id)}` },
      });
      for (const instance of found) {
        if (instance.accessId !== 'member' || instance.principalId == null) continue;
        if (instance.groupId != null && instance.groupId !== group.id) continue;
        const viaGroup = await this.#viaGroup(instance.principalId, userId);
        if (viaGroup === null) continue;
        const endsAt = parseInstant(instance.endDateTime);
        holdings.push({
          role: ref.role,
          group: ref.group,
          groupId: group.id,
          kind,
          principalId: instance.principalId,
          instanceId: instance.id ?? `${group.id}:${instance.principalId}`,
          ...(viaGroup === undefined ? {} : { viaGroup }),
          ...(endsAt === undefined ? {} : { endsAt }),
        });
      }
    }
    return holdings;
  }

  /** Undefined when the principal is the person; the group's name when the person is in it;
   *  null when the instance is someone else's. */
  async #viaGroup(principalId: string, userId: string): Promise<string | undefined | null> {
    if (principalId === userId) return undefined;
    const principal = await this.#directory.resolvePrincipal(principalId);
    if (principal.kind !== 'group') return null;
    const members = await this.#directory.transitiveUserMembers(principal.group.id);
    return members.some((m) => m.id === userId) ? principal.group.displayName : null;
  }
}
