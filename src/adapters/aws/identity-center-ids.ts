// One place that turns the names JIT Access speaks (principal ids, group display names,
// permission-set names) into Identity Center ids and back, cached with an expiry on the
// injected clock. The access target, the session revoker and the provisioning code share
// one instance, so they share one `userNameOf` and one cache (CLOUD-APIS.md section A).
import {
  DescribeUserCommand,
  GetGroupIdCommand,
  GetUserIdCommand,
  type IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import {
  DescribePermissionSetCommand,
  ListPermissionSetsCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { parseDuration } from '../../core/duration.js';
import type { Clock } from '../../ports/clock.js';
import { ExpiringCache } from '../expiring-cache.js';
import { isAwsError } from './identity-center-errors.js';

export interface IdentityCenterIdsOptions {
  readonly ssoAdmin: Pick<SSOAdminClient, 'send'>;
  readonly identityStore: Pick<IdentitystoreClient, 'send'>;
  /** e.g. `arn:aws:sso:::instance/ssoins-1234567890abcdef`. */
  readonly instanceArn: string;
  /** e.g. `d-1234567890`. */
  readonly identityStoreId: string;
  readonly clock: Clock;
  /** The Identity Center userName of a principal; default: the principal id (the UPN). */
  readonly userNameOf?: (principalId: string) => string;
  /** The inverse of `userNameOf`, for listing; default: the principal last seen with that
   *  userName, else the userName itself. */
  readonly principalIdOf?: (userName: string) => string;
  /** How long resolved ids stay cached; default 5 minutes. */
  readonly cacheTtlMs?: number;
  /** Permission-set ARNs by name; names not in it are found by listing the instance. */
  readonly permissionSetArns?: Readonly<Record<string, string>>;
}

/** A name Identity Center does not know: permanent until someone creates it. */
export class IdentityCenterNotFound extends Error {
  constructor(
    message: string,
    readonly kind: 'user' | 'group' | 'permission-set',
  ) {
    super(message);
    this.name = 'IdentityCenterNotFound';
  }
}

export interface DescribedPermissionSet {
  readonly name: string;
  /** The permission set's SessionDuration in ms, when Identity Center gave a readable one. */
  readonly sessionDurationMs?: number;
}

const DEFAULT_CACHE_TTL_MS = 5 * 60_000;

export class IdentityCenterIds {
  readonly instanceArn: string;
  readonly identityStoreId: string;
  readonly #sso: Pick<SSOAdminClient, 'send'>;
  readonly #ids: Pick<IdentitystoreClient, 'send'>;
  readonly #userNameOf: (principalId: string) => string;
  readonly #principalIdOf: (userName: string) => string;
  readonly #configuredArns: Readonly<Record<string, string>>;
  readonly #userIds: ExpiringCache<string>;
  readonly #groupIds: ExpiringCache<string>;
  readonly #userNames: ExpiringCache<string>;
  readonly #permissionSetArns: ExpiringCache<string>;
  readonly #sessionDurations: ExpiringCache<number>;
  /** Permission-set names never change (UpdatePermissionSet cannot rename), so this lasts. */
  readonly #permissionSetNames = new Map<string, string>();
  readonly #principalsSeen = new Map<string, string>();
  #loadingPermissionSets: Promise<Map<string, string>> | undefined;

  constructor(options: IdentityCenterIdsOptions) {
    this.instanceArn = options.instanceArn;
    this.identityStoreId = options.identityStoreId;
    this.#sso = options.ssoAdmin;
    this.#ids = options.identityStore;
    this.#userNameOf = options.userNameOf ?? ((principalId) => principalId);
    this.#principalIdOf =
      options.principalIdOf ?? ((userName) => this.#principalsSeen.get(userName) ?? userName);
    this.#configuredArns = options.permissionSetArns ?? {};
    const ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.#userIds = new ExpiringCache(options.clock, ttl);
    this.#groupIds = new ExpiringCache(options.clock, ttl);
    this.#userNames = new ExpiringCache(options.clock, ttl);
    this.#permissionSetArns = new ExpiringCache(options.clock, ttl);
    this.#sessionDurations = new ExpiringCache(options.clock, ttl);
  }

  /** The Identity Center userName of a principal. */
  userNameOf(principalId: string): string {
    return this.#userNameOf(principalId);
  }

  /** The identity-store user id of a principal; IdentityCenterNotFound when there is none. */
  userId(principalId: string): Promise<string> {
    const userName = this.#userNameOf(principalId);
    this.#principalsSeen.set(userName, principalId);
    return this.#userIds.getOrLoad(userName, () =>
      this.#lookUp(
        'user',
        async () =>
          (
            await this.#ids.send(
              new GetUserIdCommand({
                IdentityStoreId: this.identityStoreId,
                AlternateIdentifier: {
                  UniqueAttribute: { AttributePath: 'userName', AttributeValue: userName },
                },
              }),
            )
          ).UserId,
        `no Identity Center user with userName ${userName} in identity store ${this.identityStoreId}; provision the user (SCIM) or set userNameOf`,
      ),
    );
  }

  /** The identity-store group id of a display name; IdentityCenterNotFound when none. */
  groupId(displayName: string): Promise<string> {
    return this.#groupIds.getOrLoad(displayName, () =>
      this.#lookUp(
        'group',
        async () =>
          (
            await this.#ids.send(
              new GetGroupIdCommand({
                IdentityStoreId: this.identityStoreId,
                AlternateIdentifier: {
                  UniqueAttribute: { AttributePath: 'displayName', AttributeValue: displayName },
                },
              }),
            )
          ).GroupId,
        `no Identity Center group with displayName ${displayName} in identity store ${this.identityStoreId}; create the group in Identity Center (or provision it by SCIM) or fix the role's group`,
      ),
    );
  }

  /** Forgets what is known of a principal (after AWS said its id is gone). */
  forgetUser(principalId: string): void {
    this.#userIds.delete(this.#userNameOf(principalId));
  }

  forgetGroup(displayName: string): void {
    this.#groupIds.delete(displayName);
  }

  forgetPermissionSet(name: string): void {
    this.#permissionSetArns.delete(name);
  }

  /** The principal id of an identity-store user, or undefined when the user is gone. */
  async principalOfUserId(userId: string): Promise<string | undefined> {
    let userName = this.#userNames.get(userId);
    if (userName === undefined) {
      try {
        userName = (
          await this.#ids.send(
            new DescribeUserCommand({ IdentityStoreId: this.identityStoreId, UserId: userId }),
          )
        ).UserName;
      } catch (error) {
        if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
        throw error;
      }
      if (userName === undefined) return undefined;
      this.#userNames.set(userId, userName);
      this.#userIds.set(userName, userId);
    }
    return this.#principalIdOf(userName);
  }

  /** The ARN of a permission set by name; IdentityCenterNotFound when there is none. */
  async permissionSetArn(name: string): Promise<string> {
    const configured = this.#configuredArns[name];
    if (configured !== undefined) return configured;
    const cached = this.#permissionSetArns.get(name);
    if (cached !== undefined) return cached;
    const loaded = (await this.#loadPermissionSets()).get(name);
    if (loaded !== undefined) return loaded;
    throw new IdentityCenterNotFound(
      `no permission set named ${name} in Identity Center instance ${this.instanceArn}; create it in Identity Center or fix the role's permissionSet`,
      'permission-set',
    );
  }

  /** The name of a permission set by ARN (described once: names never change). */
  async permissionSetName(arn: string): Promise<string> {
    const known = this.#permissionSetNames.get(arn);
    if (known !== undefined) return known;
    return (await this.describePermissionSet(arn)).name;
  }

  /** DescribePermissionSet: remembers the name for good and the session duration for the
   *  cache's time (it may change). */
  async describePermissionSet(arn: string): Promise<DescribedPermissionSet> {
    const described = await this.#sso.send(
      new DescribePermissionSetCommand({ InstanceArn: this.instanceArn, PermissionSetArn: arn }),
    );
    const name = described.PermissionSet?.Name;
    if (name === undefined) {
      throw new IdentityCenterNotFound(
        `DescribePermissionSet returned no name for ${arn}`,
        'permission-set',
      );
    }
    this.#permissionSetNames.set(arn, name);
    this.#permissionSetArns.set(name, arn);
    const duration = parseDuration(described.PermissionSet?.SessionDuration ?? '');
    if (!duration.ok) return { name };
    this.#sessionDurations.set(name, duration.millis);
    return { name, sessionDurationMs: duration.millis };
  }

  /** A permission set's SessionDuration (ms), described at most once per cache period;
   *  undefined when Identity Center gives none that can be read. */
  async sessionDurationMs(name: string): Promise<number | undefined> {
    const cached = this.#sessionDurations.get(name);
    if (cached !== undefined) return cached;
    return (await this.describePermissionSet(await this.permissionSetArn(name))).sessionDurationMs;
  }

  /** Runs a Get*Id lookup; a missing id (or ResourceNotFoundException) is IdentityCenterNotFound. */
  async #lookUp(
    kind: IdentityCenterNotFound['kind'],
    get: () => Promise<string | undefined>,
    notFound: string,
  ): Promise<string> {
    try {
      const id = await get();
      if (id !== undefined) return id;
    } catch (error) {
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
    }
    throw new IdentityCenterNotFound(notFound, kind);
  }

  /** Every permission set of the instance, by name (listed and described afresh). */
  async listPermissionSets(): Promise<ReadonlyMap<string, string>> {
    return this.#loadPermissionSets();
  }

  /** Lists the instance's permission sets and names the new ones; one load at a time. */
  #loadPermissionSets(): Promise<Map<string, string>> {
    this.#loadingPermissionSets ??= (async () => {
      try {
        const byName = new Map<string, string>();
        let nextToken: string | undefined;
        do {
          const page = await this.#sso.send(
            new ListPermissionSetsCommand({
              InstanceArn: this.instanceArn,
              ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
            }),
          );
          for (const arn of page.PermissionSets ?? []) {
            let name = this.#permissionSetNames.get(arn);
            if (name === undefined) {
              try {
                name = await this.permissionSetName(arn);
              } catch (error) {
                if (error instanceof IdentityCenterNotFound) continue;
                throw error;
              }
            }
            this.#permissionSetArns.set(name, arn);
            byName.set(name, arn);
          }
          nextToken = page.NextToken;
        } while (nextToken !== undefined && nextToken !== '');
        return byName;
      } finally {
        this.#loadingPermissionSets = undefined;
      }
    })();
    return this.#loadingPermissionSets;
  }
}
