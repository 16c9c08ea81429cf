// The Directory port over Microsoft Graph (users, groups, memberships, PIM eligibility),
// plus the lookups the PIM activation source shares with it, so both map an Entra user to
// the same principal id.
//
// - A person's principal id is their `userPrincipalName` in lower case (or `mail`, when
//   `userAttribute` says so; a user without mail then falls back to the UPN). It is
//   what Identity Center's userName is matched against.
// - `findUser` takes an object id, a UPN, an e-mail address or a short handle (mailNickname).
// - `listUsers` lists the transitive user members of the configured `userGroups` (e.g. the
//   group of people who may use JIT Access). Without any, it lists nobody: enumerating every
//   user of a tenant is neither cheap nor needed.
// - Group memberships use Graph's OData casts (`.../microsoft.graph.user`, `.../microsoft.graph.group`),
//   with the advanced-query parameters only if Graph asks for them (see `#listCast`).
//
// Results are cached on the injected clock: ids and users for `cacheTtlMs` (default 5 min),
// memberships for `membershipTtlMs` (default 60 s, since they decide who holds access).
import type {
  Group,
  PrivilegedAccessGroupEligibilityScheduleInstance as EligibilityInstance,
  User,
} from '@microsoft/microsoft-graph-types';
import { JitError } from '../../core/errors.js';
import type { Instant } from '../../core/grant.js';
import type { Clock } from '../../ports/clock.js';
import type { Directory, DirectoryUser } from '../../ports/directory.js';
import { ExpiringCache } from '../expiring-cache.js';
import { odataString, type GraphClient } from './graph-client.js';
import { GraphError } from './graph-errors.js';

/** An Entra user, as far as JIT Access needs one. */
export interface EntraUser {
  /** The object id. */
  readonly id: string;
  readonly userPrincipalName: string | undefined;
  readonly mail: string | undefined;
  readonly displayName: string;
  readonly mailNickname: string | undefined;
}

export interface EntraGroup {
  readonly id: string;
  readonly displayName: string;
}

/** What a PIM principal id turned out to be. */
export type EntraPrincipal =
  | { readonly kind: 'user'; readonly user: EntraUser }
  | { readonly kind: 'group'; readonly group: EntraGroup }
  | { readonly kind: 'missing' };

/** One person eligible for a group's membership through one PIM eligibility instance. */
export interface EntraEligibility {
  readonly instanceId: string;
  readonly user: EntraUser;
  /** The person's principal id (see the module comment); undefined when it has none. */
  readonly principal: string | undefined;
  /** Set when the eligible principal is a group the person is a member of. */
  readonly viaGroup?: EntraGroup;
  readonly startsAt: Instant | undefined;
  /** Undefined for a permanent eligibility. */
  readonly endsAt: Instant | undefined;
}

/** The parts of `GraphClient` the directory and the activation source read with. */
export type GraphReader = Pick<GraphClient, 'get' | 'listAll'>;

export interface EntraDirectoryOptions {
  readonly graph: GraphReader;
  readonly clock: Clock;
  /** Groups (display names or object ids) whose transitive user members `listUsers` lists. */
  readonly userGroups?: readonly string[];
  /** Which attribute is the principal id; default `userPrincipalName`. */
  readonly userAttribute?: 'userPrincipalName' | 'mail';
  /** How long ids, users and group names stay cached; default 5 minutes. */
  readonly cacheTtlMs?: number;
  /** How long group memberships stay cached; default 60 seconds. */
  readonly membershipTtlMs?: number;
}

export const PIM_GROUP_PATH = '/identityGovernance/privilegedAccess/group';

const USER_SELECT = 'id,userPrincipalName,mail,displayName,mailNickname';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_CACHE_TTL_MS = 5 * 60_000;
const DEFAULT_MEMBERSHIP_TTL_MS = 60_000;

/** True for an Entra object id (a GUID). */
export function isObjectId(value: string): boolean {
  return GUID.test(value.trim());
}

export class EntraDirectory implements Directory {
  readonly #graph: GraphReader;
  readonly #userGroups: readonly string[];
  readonly #userAttribute: 'userPrincipalName' | 'mail';
  readonly #groups: ExpiringCache<EntraGroup>;
  readonly #principals: ExpiringCache<EntraPrincipal>;
  readonly #usersByKey: ExpiringCache<EntraUser | null>;
  readonly #memberships: ExpiringCache<readonly string[]>;
  readonly #members: ExpiringCache<readonly EntraUser[]>;
  #castsNeedAdvancedQuery = false;

  constructor(options: EntraDirectoryOptions) {
    this.#graph = options.graph;
    this.#userGroups = options.userGroups ?? [];
    this.#userAttribute = options.userAttribute ?? 'userPrincipalName';
    const ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    const membershipTtl = options.membershipTtlMs ?? DEFAULT_MEMBERSHIP_TTL_MS;
    this.#groups = new ExpiringCache(options.clock, ttl);
    this.#principals = new ExpiringCache(options.clock, ttl);
    this.#usersByKey = new ExpiringCache(options.clock, ttl);
    this.#memberships = new ExpiringCache(options.clock, membershipTtl);
    this.#members = new ExpiringCache(options.clock, membershipTtl);
  }

  /** The principal id of an Entra user (lower case), or undefined when it has none. */
  principalOf(user: EntraUser): string | undefined {
    const value =
      this.#userAttribute === 'mail'
        ? (user.mail ?? user.userPrincipalName)
        : user.userPrincipalName;
    const trimmed = value?.trim().toLowerCase();
    return trimmed === undefined || trimmed === '' ? undefined : trimmed;
  }

  /** Finds a user by object id, UPN, e-mail or mailNickname (case-insensitive). */
  async findUser(idOrName: string): Promise<DirectoryUser | undefined> {
    const user = await this.findEntraUser(idOrName);
    return user === undefined ? undefined : this.#toDirectoryUser(user);
  }

  /** Like `findUser`, without the group names: the Entra user itself. */
  async findEntraUser(idOrName: string): Promise<EntraUser | undefined> {
    const key = idOrName.trim().toLowerCase();
    if (key === '') return undefined;
    const user = await this.#usersByKey.getOrLoad(key, async () => {
      if (isObjectId(key)) {
        const principal = await this.resolvePrincipal(key);
        return principal.kind === 'user' ? principal.user : null;
      }
      if (key.includes('@')) {
        return (
          (await this.#findOne('userPrincipalName', key)) ?? (await this.#findOne('mail', key))
        );
      }
      return this.#findOne('mailNickname', key);
    });
    return user ?? undefined;
  }

  /** The transitive user members of the configured `userGroups`, by principal id. */
  async listUsers(): Promise<readonly DirectoryUser[]> {
    const byId = new Map<string, EntraUser>();
    for (const group of this.#userGroups) {
      const { id } = await this.resolveGroup(group);
      for (const user of await this.transitiveUserMembers(id)) byId.set(user.id, user);
    }
    const users: DirectoryUser[] = [];
    for (const user of byId.values()) {
      const mapped = await this.#toDirectoryUser(user);
      if (mapped !== undefined) users.push(mapped);
    }
    return users.sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Resolves a group named by display name or object id. Throws `ERR_NOT_FOUND` when no
   * group has that name, `ERR_INVALID_CONFIG` when several do (name it by object id then).
   */
  resolveGroup(nameOrId: string): Promise<EntraGroup> {
    const key = nameOrId.trim();
    return this.#groups.getOrLoad(key.toLowerCase(), async () => {
      if (isObjectId(key)) {
        try {
          const group = await this.#graph.get<Group>(`/groups/${key}`, {
            query: { $select: 'id,displayName' },
          });
          return toGroup(group, key);
        } catch (error) {
          if (isNotFound(error)) {
            throw new JitError('ERR_NOT_FOUND', `No Entra group has the object id ${key}.`);
          }
          throw error;
        }
      }
      const found = await this.#graph.listAll<Group>('/groups', {
        query: { $filter: `displayName eq ${odataString(key)}`, $select: 'id,displayName' },
      });
      const [first, second] = found;
      if (first === undefined) {
        throw new JitError(
          'ERR_NOT_FOUND',
          `No Entra group is named "${key}"; check the name, or give the group's object id.`,
        );
      }
      if (second !== undefined) {
        const ids = found.map((group) => group.id ?? '?').join(', ');
        throw new JitError(
          'ERR_INVALID_CONFIG',
          `${found.length} Entra groups are named "${key}" (${ids}); name the group by its object id.`,
        );
      }
      return toGroup(first, key);
    });
  }

  /** Every user in the group, directly or through nested groups. */
  transitiveUserMembers(groupId: string): Promise<readonly EntraUser[]> {
    return this.#members.getOrLoad(groupId, async () => {
      const users = await this.#listCast<User>(
        `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user`,
        USER_SELECT,
      );
      return users.flatMap((user) => toUser(user) ?? []);
    });
  }

  /** Display names of every group the user is in, directly or transitively. */
  groupNamesOf(userId: string): Promise<readonly string[]> {
    return this.#memberships.getOrLoad(userId, async () => {
      const groups = await this.#listCast<Group>(
        `/users/${encodeURIComponent(userId)}/transitiveMemberOf/microsoft.graph.group`,
        'displayName',
      );
      return groups.flatMap((group) => group.displayName ?? []).sort();
    });
  }

  /** What a PIM principal id is: a user, a group, or nothing this app can read. */
  resolvePrincipal(id: string): Promise<EntraPrincipal> {
    return this.#principals.getOrLoad(id.toLowerCase(), async () => {
      const path = encodeURIComponent(id);
      try {
        const user = toUser(
          await this.#graph.get<User>(`/users/${path}`, { query: { $select: USER_SELECT } }),
        );
        if (user !== undefined) return { kind: 'user', user };
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      try {
        const group = await this.#graph.get<Group>(`/groups/${path}`, {
          query: { $select: 'id,displayName' },
        });
        return { kind: 'group', group: toGroup(group, id) };
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      return { kind: 'missing' };
    });
  }

  /** People eligible (PIM for Groups) for membership of the group, group principals expanded. */
  async eligibleMembers(groupId: string): Promise<readonly EntraEligibility[]> {
    const instances = await this.#graph.listAll<EligibilityInstance>(
      `${PIM_GROUP_PATH}/eligibilityScheduleInstances`,
      { query: { $filter: `groupId eq ${odataString(groupId)}` } },
    );
    const eligible: EntraEligibility[] = [];
    for (const instance of instances) {
      if (instance.accessId !== 'member' || instance.principalId == null) continue;
      if (instance.groupId != null && instance.groupId !== groupId) continue;
      const times = {
        startsAt: parseInstant(instance.startDateTime),
        endsAt: parseInstant(instance.endDateTime),
      };
      const instanceId = instance.id ?? `${groupId}:${instance.principalId}`;
      const principal = await this.resolvePrincipal(instance.principalId);
      if (principal.kind === 'user') {
        eligible.push({
          instanceId,
          user: principal.user,
          principal: this.principalOf(principal.user),
          ...times,
        });
      } else if (principal.kind === 'group') {
        for (const user of await this.transitiveUserMembers(principal.group.id)) {
          eligible.push({
            instanceId,
            user,
            principal: this.principalOf(user),
            viaGroup: principal.group,
            ...times,
          });
        }
      }
    }
    return eligible;
  }

  /**
   * Lists a member collection through an OData cast. Graph's "advanced query" page lists
   * casts on transitive member lists among the queries that need `ConsistencyLevel: eventual`
   * and `$count=true`, while its per-API pages show them without; so the plain query goes
   * first, and a `Request_UnsupportedQuery` refusal switches this directory to the advanced
   * form for good.
   */
  async #listCast<T>(path: string, select: string): Promise<T[]> {
    if (!this.#castsNeedAdvancedQuery) {
      try {
        return await this.#graph.listAll<T>(path, { query: { $select: select } });
      } catch (error) {
        if (!(error instanceof GraphError && error.graphCode === 'Request_UnsupportedQuery')) {
          throw error;
        }
        this.#castsNeedAdvancedQuery = true;
      }
    }
    return this.#graph.listAll<T>(path, {
      headers: { ConsistencyLevel: 'eventual' },
      query: { $select: select, $count: 'true' },
    });
  }

  async #findOne(
    attribute: 'userPrincipalName' | 'mail' | 'mailNickname',
    value: string,
  ): Promise<EntraUser | null> {
    const users = await this.#graph.listAll<User>('/users', {
      query: { $filter: `${attribute} eq ${odataString(value)}`, $select: USER_SELECT },
    });
    // An ambiguous handle or address names nobody rather than the wrong person.
    const [only, another] = users;
    if (only === undefined || another !== undefined) return null;
    return toUser(only) ?? null;
  }

  async #toDirectoryUser(user: EntraUser): Promise<DirectoryUser | undefined> {
    const id = this.principalOf(user);
    if (id === undefined) return undefined;
    const upn = user.userPrincipalName?.toLowerCase();
    return {
      id,
      name: (user.mailNickname ?? upn?.split('@')[0] ?? id).toLowerCase(),
      displayName: user.displayName,
      email: (user.mail ?? upn ?? id).toLowerCase(),
      // Sandbox-only notion; MFA evidence from Entra comes from the sign-in's claims.
      mfa: false,
      groups: await this.groupNamesOf(user.id),
    };
  }
}

function toUser(user: User): EntraUser | undefined {
  if (user.id === undefined || user.id === '') return undefined;
  return {
    id: user.id,
    userPrincipalName: nonEmpty(user.userPrincipalName),
    mail: nonEmpty(user.mail),
    displayName: nonEmpty(user.displayName) ?? nonEmpty(user.userPrincipalName) ?? user.id,
    mailNickname: nonEmpty(user.mailNickname),
  };
}

function toGroup(group: Group, asked: string): EntraGroup {
  const id = group.id;
  if (id === undefined || id === '') {
    throw new JitError('ERR_TARGET', `Graph returned the group "${asked}" without an id.`);
  }
  return { id, displayName: nonEmpty(group.displayName) ?? id };
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof GraphError && error.status === 404;
}

/** Parses a Graph DateTimeOffset; undefined for absent, null or unreadable values. */
export function parseInstant(value: string | null | undefined): Instant | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}
