// SessionRevoker for AWS (CLOUD-APIS.md section C): after a removal is confirmed, denies the
// person's role sessions of that permission set in the accounts where access was removed,
// issued before the cut-off. The Deny statements live in one managed SCP (no permission-set
// re-provisioning), found or created by name and attached to the configured root or OU once.
// The SCP's content is the state: each write reads it, adds, drops what expired, compacts
// and writes it back (see session-deny-policy.ts). Writes are serialised in-process and
// retried on ConcurrentModificationException.
//
// Inline fallback: SCPs do not apply to the management account, and an SCP can be full.
// Then the statements go into the permission set's own inline policy (its statements are
// kept untouched) and the permission set is re-provisioned to the affected accounts.
// Expected AWS errors become `failed` outcomes; nothing here throws for them.
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DescribePolicyCommand,
  ListPoliciesCommand,
  ListTargetsForPolicyCommand,
  UpdatePolicyCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  ListGroupMembershipsForMemberCommand,
  type IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import {
  DescribePermissionSetProvisioningStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { assertNever, type Entitlement } from '../../../core/grant.js';
import { MAX_SESSION_DURATION } from '../../../core/owed-revocation.js';
import { IdentityCenterIds, IdentityCenterNotFound } from '../identity-center-ids.js';
import type { AwsClockSkew } from '../clock-skew.js';
import type { Clock } from '../../../ports/clock.js';
import type {
  RevocationOutcome,
  SessionRevocation,
  SessionRevoker,
} from '../../../ports/session-revoker.js';
import { failureFromError, isAwsError } from '../identity-center-errors.js';
import { organizationsFailure } from './organizations-errors.js';
import {
  compactPolicy,
  createRecord,
  DEFAULT_SKEW_MARGIN_MS,
  parsePolicy,
  releaseRecords,
  type RevocationRecord,
} from './session-deny-policy.js';

/** The permission sets and accounts a group is assigned. */
export interface GroupAssignment {
  readonly permissionSet: string;
  readonly accounts: readonly string[];
}

export interface ScpSessionRevokerOptions {
  readonly organizations: Pick<OrganizationsClient, 'send'>;
  readonly identityStore: Pick<IdentitystoreClient, 'send'>;
  readonly ssoAdmin: Pick<SSOAdminClient, 'send'>;
  /** Names to ids and back; shared with the access target (one userNameOf, one cache). */
  readonly ids: IdentityCenterIds;
  readonly clock: Clock;
  /** The root (`r-xxxx`) or OU (`ou-xxxx-yyyyyyyy`) the SCP is attached to. */
  readonly targetId: string;
  /** The configured SessionDuration of a permission set, in ms (PT1H..PT12H). A Deny lives
   *  for the longer of this and what DescribePermissionSet says (12 h when it cannot be
   *  read), since sessions already issued keep the duration they were issued with. */
  readonly sessionDurationOf?: (permissionSet: string) => number;
  /** The group's assignments; default: listed from Identity Center. */
  readonly groupAssignmentsOf?: (group: string) => Promise<readonly GroupAssignment[]>;
  /** Default `JitSessionRevocation`. */
  readonly policyName?: string;
  /** Revocations in this account go to the permission set's inline policy. */
  readonly managementAccountId?: string;
  /** Added to every cut-off (default two minutes), on top of the measured skew. */
  readonly skewMarginMs?: number;
  /** How far AWS's clock runs ahead of ours, measured from response headers. */
  readonly clockSkew?: Pick<AwsClockSkew, 'aheadMs'>;
  /** Asked right before every policy write: false when this process no longer leads the
   *  controller, so a replica that lost its lease never overwrites the new leader's SCP. */
  readonly stillLeading?: () => Promise<boolean>;
  /** Attempts of a read-modify-write when Organizations reports a concurrent change. */
  readonly maxAttempts?: number;
  /** How often to poll a permission-set provisioning, and how many times at most. */
  readonly provisioningPollMs?: number;
  readonly provisioningPolls?: number;
  /** Waits between retries and polls; default a timer. Tests pass an instant one. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called when the SCP is full and statements fall back to inline policies. */
  readonly onAlert?: (message: string) => void;
}

/** The accounts where one permission set was removed. */
interface Scope {
  readonly permissionSet: string;
  readonly accounts: readonly string[];
}

/** Thrown inside this module only, to end an operation with an expected failure. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly retryable = true,
  ) {
    super(message);
  }
}

/** An AWS call that failed, named, so its failure is worded in its own service's terms. */
class CallFailure extends Error {
  constructor(
    readonly service: 'organizations' | 'identity-center',
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`${operation} failed`);
  }
}

/** The tag on the revocation SCP (set by the controller when it creates the policy, and by
 *  the CDK app when that creates it): the controller's role may update only a policy with it. */
export const REVOCATION_SCP_TAG = { Key: 'jit-access', Value: 'session-revocation' } as const;

export const REVOCATION_SCP_DESCRIPTION =
  'Managed by JIT Access: denies role sessions issued before access was removed. Do not edit.';

/** The SCP's content before any revocation: what the controller (or the CDK app) creates. */
export function emptyRevocationScp(): string {
  return compactPolicy([], [], { target: 'scp', now: 0 }).json;
}

async function call<T>(
  service: CallFailure['service'],
  operation: string,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw new CallFailure(service, operation, error);
  }
}

const organizations = <T>(operation: string, send: () => Promise<T>): Promise<T> =>
  call('organizations', operation, send);
const identityCenter = <T>(operation: string, send: () => Promise<T>): Promise<T> =>
  call('identity-center', operation, send);

/** A name Identity Center does not know ends the operation as a Refusal. */
async function refusingNotFound<T>(lookup: Promise<T>, retryable: boolean): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    const cause = error instanceof CallFailure ? error.cause : error;
    if (cause instanceof IdentityCenterNotFound) throw new Refusal(cause.message, retryable);
    throw error;
  }
}

/** Whether `error` is (or is a failed call that got) the AWS error named `name`. */
function failedWith(error: unknown, name: string): boolean {
  return isAwsError(error instanceof CallFailure ? error.cause : error, name);
}

const SCP_TYPE = 'SERVICE_CONTROL_POLICY';

/**
 * The `scp` session revoker: a managed SCP of Deny statements, with the permission set's
 * inline policy for the management account and for what the SCP cannot hold.
 */
export class ScpSessionRevoker implements SessionRevoker {
  readonly name = 'scp';
  readonly #org: Pick<OrganizationsClient, 'send'>;
  readonly #ids: Pick<IdentitystoreClient, 'send'>;
  readonly #sso: Pick<SSOAdminClient, 'send'>;
  readonly #options: ScpSessionRevokerOptions;
  readonly #policyName: string;
  readonly #skew: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #resolve: IdentityCenterIds;
  #policyId: string | undefined;
  #attached = false;
  /** Every write goes through this chain, so two never overwrite each other. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: ScpSessionRevokerOptions) {
    this.#org = options.organizations;
    this.#ids = options.identityStore;
    this.#sso = options.ssoAdmin;
    this.#options = options;
    this.#policyName = options.policyName ?? 'JitSessionRevocation';
    this.#skew = options.skewMarginMs ?? DEFAULT_SKEW_MARGIN_MS;
    this.#sleep =
      options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))));
    this.#resolve = options.ids;
  }

  /** The margin added to cut-offs now: the configured one plus AWS's measured lead. */
  #margin(): number {
    return this.#skew + (this.#options.clockSkew?.aheadMs() ?? 0);
  }

  /** Denies the person's sessions issued before `revocation.cutoff` where access was removed. */
  async revokeSessions(revocation: SessionRevocation): Promise<RevocationOutcome> {
    try {
      // The id captured at grant time: a rename or deletion since cannot stop the Deny.
      const userId = revocation.subjectId ?? (await this.#userId(revocation.entitlement.user));
      const scopes = await this.#scopes(revocation.entitlement, userId);
      if (scopes.length === 0) {
        return {
          state: 'skipped',
          detail: `no account where ${revocation.entitlement.user} lost a permission set (still held another way, or the group has no assignments)`,
        };
      }
      const records: RevocationRecord[] = [];
      for (const scope of scopes) {
        records.push(
          createRecord({
            userId,
            permissionSet: scope.permissionSet,
            accounts: scope.accounts,
            cutoff: revocation.cutoff,
            sessionDurationMs: await this.#sessionDurationMs(scope.permissionSet),
          }),
        );
      }
      return await this.#serial(() => this.#apply(records));
    } catch (error) {
      return this.#failed(error);
    }
  }

  /**
   * Call BEFORE granting the entitlement again: narrows any statement that compaction
   * stretched past this person's cut-off, so the new grant's sessions are not denied.
   */
  async release(entitlement: Entitlement): Promise<RevocationOutcome> {
    try {
      const userId = await this.#userId(entitlement.user);
      const scopes = await this.#entitlementScopes(entitlement);
      return await this.#serial(async () => {
        const now = this.#options.clock.now();
        const release = (records: RevocationRecord[], scope: Scope): RevocationRecord[] =>
          scope.accounts.reduce(
            (inner, account) =>
              releaseRecords(inner, { userId, permissionSet: scope.permissionSet, account, now }),
            records,
          );
        const written = await this.#updateScp((records) => scopes.reduce(release, records));
        const details = [written.detail];
        // The management account's statements live in the permission set's inline policy.
        const management = this.#options.managementAccountId;
        for (const scope of scopes) {
          if (management === undefined || !scope.accounts.includes(management)) continue;
          const only = { permissionSet: scope.permissionSet, accounts: [management] };
          details.push(
            await this.#changeInline(
              scope.permissionSet,
              (records) =>
                records.some((r) => r.userId === userId) ? release(records, only) : records,
              [management],
            ),
          );
        }
        return { state: 'done' as const, detail: `released: ${details.join('; ')}` };
      });
    } catch (error) {
      return this.#failed(error);
    }
  }

  async #apply(records: readonly RevocationRecord[]): Promise<RevocationOutcome> {
    const management = this.#options.managementAccountId;
    const toScp: RevocationRecord[] = [];
    const toInline: RevocationRecord[] = [];
    for (const record of records) {
      const inManagement = record.accounts.filter((a) => a === management);
      const elsewhere = record.accounts.filter((a) => a !== management);
      if (inManagement.length > 0) toInline.push({ ...record, accounts: inManagement });
      if (elsewhere.length > 0) toScp.push({ ...record, accounts: elsewhere });
    }
    const details: string[] = [];
    if (toScp.length > 0) {
      const written = await this.#updateScp((existing) => [...existing, ...toScp]);
      details.push(written.detail);
      if (written.overflow.length > 0) {
        const message = `SCP ${this.#policyName} is full (${written.detail}); ${written.overflow.length} revocation record(s) fall back to the permission sets' inline policies`;
        this.#options.onAlert?.(message);
        details.push(message);
        toInline.push(...written.overflow);
      }
    }
    const byPermissionSet = new Map<string, RevocationRecord[]>();
    for (const record of toInline) {
      byPermissionSet.set(record.permissionSet, [
        ...(byPermissionSet.get(record.permissionSet) ?? []),
        record,
      ]);
    }
    for (const [permissionSet, added] of byPermissionSet) {
      details.push(await this.#updateInline(permissionSet, added));
    }
    return { state: 'done', detail: details.join('; ') };
  }

  /** Read, change, compact and write the SCP; retried when someone else changed it. */
  async #updateScp(
    change: (records: RevocationRecord[]) => RevocationRecord[],
  ): Promise<{ detail: string; overflow: RevocationRecord[] }> {
    const policyId = await this.#ensurePolicy();
    const attempts = this.#options.maxAttempts ?? 5;
    // Organizations has no compare-and-swap: each write is read back, and the loop ends only
    // when the document read already holds the change (applying it again changes nothing),
    // so a write lost to a concurrent writer is noticed and made again.
    for (let attempt = 1; ; attempt += 1) {
      const described = await organizations('DescribePolicy', () =>
        this.#org.send(new DescribePolicyCommand({ PolicyId: policyId })),
      );
      const content = described.Policy?.Content;
      const parsed = parsePolicy(content);
      const result = compactPolicy(change(parsed.records), parsed.foreign, {
        target: 'scp',
        now: this.#options.clock.now(),
        skewMarginMs: this.#margin(),
      });
      const detail = `SCP ${this.#policyName}: ${result.statements} statement(s), ${result.size} of ${result.maxSize} bytes`;
      if (result.json === content) return { detail, overflow: result.overflow };
      if (attempt > attempts) {
        throw new Refusal(
          `SCP ${this.#policyName} did not read back as written after ${attempts} writes (another writer, or Organizations slow to show the change); the revocation will be retried`,
        );
      }
      await this.#confirmLeading();
      try {
        await organizations('UpdatePolicy', () =>
          this.#org.send(new UpdatePolicyCommand({ PolicyId: policyId, Content: result.json })),
        );
      } catch (error) {
        if (!failedWith(error, 'ConcurrentModificationException') || attempt >= attempts) {
          throw error;
        }
        await this.#sleep(200 * 2 ** attempt);
      }
    }
  }

  /** Refuses to write when this process no longer leads the controller. */
  async #confirmLeading(): Promise<void> {
    const check = this.#options.stillLeading;
    if (check === undefined) return;
    let leading: boolean;
    try {
      leading = await check();
    } catch {
      leading = false;
    }
    if (!leading) {
      throw new Refusal(
        'this process no longer holds the controller lease, so it does not write the policy; the revocation stays owed and the leader carries it out',
      );
    }
  }

  /** How long sessions of the permission set can last: the longer of the configured and the
   *  described SessionDuration; AWS's maximum (12 h) when Identity Center cannot say. */
  async #sessionDurationMs(permissionSet: string): Promise<number> {
    const configured = this.#options.sessionDurationOf?.(permissionSet) ?? 0;
    let described: number | undefined;
    try {
      described = (await this.#resolve.sessionDurationMs(permissionSet)) ?? MAX_SESSION_DURATION;
    } catch {
      described = MAX_SESSION_DURATION;
    }
    return Math.max(configured, described);
  }

  /** Merges records into a permission set's inline policy, then re-provisions it. */
  async #updateInline(permissionSet: string, added: readonly RevocationRecord[]): Promise<string> {
    const accounts = [...new Set(added.flatMap((r) => r.accounts))].sort();
    return this.#changeInline(permissionSet, (records) => [...records, ...added], accounts);
  }

  /** Reads a permission set's inline policy, changes our records in it (its own statements
   *  are kept verbatim), writes it back when it changed and re-provisions it to `accounts`. */
  async #changeInline(
    permissionSet: string,
    change: (records: RevocationRecord[]) => RevocationRecord[],
    accounts: readonly string[],
  ): Promise<string> {
    const permissionSetArn = await this.#permissionSetArn(permissionSet);
    const current = await identityCenter('GetInlinePolicyForPermissionSet', () =>
      this.#sso.send(
        new GetInlinePolicyForPermissionSetCommand({
          InstanceArn: this.#resolve.instanceArn,
          PermissionSetArn: permissionSetArn,
        }),
      ),
    );
    const existing = current.InlinePolicy ?? '';
    const parsed = parsePolicy(existing, { permissionSet });
    const result = compactPolicy(change(parsed.records), parsed.foreign, {
      target: 'inline',
      now: this.#options.clock.now(),
      skewMarginMs: this.#margin(),
      // Never stretched: each change re-provisions the permission set, so keep them few.
      mergeWindowsMs: [0],
    });
    if (result.overflow.length > 0) {
      throw new Refusal(
        `the inline policy of permission set ${permissionSet} cannot hold ${result.overflow.length} more revocation record(s) (${result.size} of ${result.maxSize} characters); those sessions stay valid until they expire`,
      );
    }
    const summary = `inline policy of ${permissionSet}: ${result.statements} statement(s), ${result.size} of ${result.maxSize} characters`;
    if (result.json === existing) return `${summary}, unchanged`;
    await this.#confirmLeading();
    await identityCenter('PutInlinePolicyToPermissionSet', () =>
      this.#sso.send(
        new PutInlinePolicyToPermissionSetCommand({
          InstanceArn: this.#resolve.instanceArn,
          PermissionSetArn: permissionSetArn,
          InlinePolicy: result.json,
        }),
      ),
    );
    for (const account of accounts) await this.#provision(permissionSetArn, account);
    return `${summary}, provisioned to ${accounts.join(', ')}`;
  }

  async #provision(permissionSetArn: string, account: string): Promise<void> {
    const started = await identityCenter('ProvisionPermissionSet', () =>
      this.#sso.send(
        new ProvisionPermissionSetCommand({
          InstanceArn: this.#resolve.instanceArn,
          PermissionSetArn: permissionSetArn,
          TargetType: 'AWS_ACCOUNT',
          TargetId: account,
        }),
      ),
    );
    let status = started.PermissionSetProvisioningStatus;
    const polls = this.#options.provisioningPolls ?? 60;
    for (let poll = 0; status?.Status === 'IN_PROGRESS' && poll < polls; poll += 1) {
      await this.#sleep(this.#options.provisioningPollMs ?? 1_000);
      const requestId = status.RequestId;
      const described = await identityCenter('DescribePermissionSetProvisioningStatus', () =>
        this.#sso.send(
          new DescribePermissionSetProvisioningStatusCommand({
            InstanceArn: this.#resolve.instanceArn,
            ProvisionPermissionSetRequestId: requestId,
          }),
        ),
      );
      status = described.PermissionSetProvisioningStatus;
    }
    if (status?.Status === 'FAILED') {
      throw new Refusal(
        `provisioning the permission set to account ${account} failed: ${status.FailureReason ?? 'no reason given'}`,
      );
    }
    if (status?.Status !== 'SUCCEEDED') {
      throw new Refusal(
        `provisioning the permission set to account ${account} did not finish in time; the revocation will be retried`,
      );
    }
  }

  /** Finds the SCP by name (or creates it) and attaches it to the target once. */
  async #ensurePolicy(): Promise<string> {
    this.#policyId ??= (await this.#findPolicy()) ?? (await this.#createPolicy());
    const policyId = this.#policyId;
    if (!this.#attached) {
      const targetId = this.#options.targetId;
      let attached = false;
      let token: string | undefined;
      do {
        const next = token;
        const page = await organizations('ListTargetsForPolicy', () =>
          this.#org.send(new ListTargetsForPolicyCommand({ PolicyId: policyId, NextToken: next })),
        );
        attached ||= (page.Targets ?? []).some((t) => t.TargetId === targetId);
        token = page.NextToken;
      } while (token !== undefined && !attached);
      if (!attached) {
        try {
          await organizations('AttachPolicy', () =>
            this.#org.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: targetId })),
          );
        } catch (error) {
          if (!failedWith(error, 'DuplicatePolicyAttachmentException')) throw error;
        }
      }
      this.#attached = true;
    }
    return policyId;
  }

  async #findPolicy(): Promise<string | undefined> {
    let token: string | undefined;
    do {
      const next = token;
      const page = await organizations('ListPolicies', () =>
        this.#org.send(new ListPoliciesCommand({ Filter: SCP_TYPE, NextToken: next })),
      );
      const found = (page.Policies ?? []).find((p) => p.Name === this.#policyName);
      if (found?.Id !== undefined) return found.Id;
      token = page.NextToken;
    } while (token !== undefined);
    return undefined;
  }

  async #createPolicy(): Promise<string> {
    try {
      const created = await organizations('CreatePolicy', () =>
        this.#org.send(
          new CreatePolicyCommand({
            Name: this.#policyName,
            Type: SCP_TYPE,
            Description: REVOCATION_SCP_DESCRIPTION,
            Content: emptyRevocationScp(),
            // The deployment's IAM policy lets the controller update only the SCP with this tag.
            Tags: [{ ...REVOCATION_SCP_TAG }],
          }),
        ),
      );
      const id = created.Policy?.PolicySummary?.Id;
      if (id === undefined) throw new Refusal('CreatePolicy returned no policy id');
      return id;
    } catch (error) {
      // Another process created it between our listing and our create.
      if (!failedWith(error, 'DuplicatePolicyException')) throw error;
      const id = await this.#findPolicy();
      if (id === undefined) throw error;
      return id;
    }
  }

  /** A person's identity-store id, looked up by name (no id captured at grant time). */
  #userId(principal: string): Promise<string> {
    return refusingNotFound(this.#resolve.userId(principal), false);
  }

  /** Where the entitlement gave access, minus where the person still holds it directly or
   *  through another group. */
  async #scopes(entitlement: Entitlement, userId: string): Promise<Scope[]> {
    const scopes = await this.#entitlementScopes(entitlement);
    const removedGroupId =
      entitlement.kind === 'group-membership' ? await this.#groupId(entitlement.group) : undefined;
    const still = await this.#holdings(userId, removedGroupId);
    return scopes
      .map((scope) => ({
        permissionSet: scope.permissionSet,
        accounts: scope.accounts.filter((a) => !still.has(`${scope.permissionSet}/${a}`)),
      }))
      .filter((scope) => scope.accounts.length > 0);
  }

  async #entitlementScopes(entitlement: Entitlement): Promise<Scope[]> {
    switch (entitlement.kind) {
      case 'account-assignment':
        return [{ permissionSet: entitlement.permissionSet, accounts: [entitlement.account] }];
      case 'group-membership': {
        if (this.#options.groupAssignmentsOf !== undefined) {
          return (await this.#options.groupAssignmentsOf(entitlement.group)).map((g) => ({
            permissionSet: g.permissionSet,
            accounts: [...g.accounts],
          }));
        }
        const groupId = await this.#groupId(entitlement.group);
        const pairs = await this.#assignments(groupId, 'GROUP');
        const byPermissionSet = new Map<string, string[]>();
        for (const { permissionSet, account } of pairs) {
          byPermissionSet.set(permissionSet, [
            ...(byPermissionSet.get(permissionSet) ?? []),
            account,
          ]);
        }
        return [...byPermissionSet].map(([permissionSet, accounts]) => ({
          permissionSet,
          accounts,
        }));
      }
      default:
        return assertNever(entitlement);
    }
  }

  /** `permissionSet/account` pairs the user holds directly or through their other groups:
   *  one listing of the user's assignments, one of their groups, one per other group. */
  async #holdings(userId: string, exceptGroupId: string | undefined): Promise<Set<string>> {
    try {
      return await this.#listHoldings(userId, exceptGroupId);
    } catch (error) {
      // The user was deleted since (SCIM): they hold nothing, and their sessions still live.
      if (failedWith(error, 'ResourceNotFoundException')) return new Set();
      throw error;
    }
  }

  async #listHoldings(userId: string, exceptGroupId: string | undefined): Promise<Set<string>> {
    const held = new Set<string>();
    const add = (pairs: { permissionSet: string; account: string }[]): void => {
      for (const p of pairs) held.add(`${p.permissionSet}/${p.account}`);
    };
    add(await this.#assignments(userId, 'USER'));
    let token: string | undefined;
    const groups: string[] = [];
    do {
      const next = token;
      const page = await identityCenter('ListGroupMembershipsForMember', () =>
        this.#ids.send(
          new ListGroupMembershipsForMemberCommand({
            IdentityStoreId: this.#resolve.identityStoreId,
            MemberId: { UserId: userId },
            NextToken: next,
          }),
        ),
      );
      for (const m of page.GroupMemberships ?? []) {
        if (m.GroupId !== undefined && m.GroupId !== exceptGroupId) groups.push(m.GroupId);
      }
      token = page.NextToken;
    } while (token !== undefined);
    for (const group of groups) add(await this.#assignments(group, 'GROUP'));
    return held;
  }

  async #assignments(
    principalId: string,
    principalType: 'USER' | 'GROUP',
  ): Promise<{ permissionSet: string; account: string }[]> {
    const out: { permissionSet: string; account: string }[] = [];
    let token: string | undefined;
    do {
      const next = token;
      const page = await identityCenter('ListAccountAssignmentsForPrincipal', () =>
        this.#sso.send(
          new ListAccountAssignmentsForPrincipalCommand({
            InstanceArn: this.#resolve.instanceArn,
            PrincipalId: principalId,
            PrincipalType: principalType,
            NextToken: next,
          }),
        ),
      );
      for (const a of page.AccountAssignments ?? []) {
        if (a.PermissionSetArn === undefined || a.AccountId === undefined) continue;
        out.push({
          permissionSet: await this.#permissionSetName(a.PermissionSetArn),
          account: a.AccountId,
        });
      }
      token = page.NextToken;
    } while (token !== undefined);
    return out;
  }

  #groupId(displayName: string): Promise<string> {
    return refusingNotFound(this.#resolve.groupId(displayName), true);
  }

  #permissionSetName(arn: string): Promise<string> {
    return identityCenter('DescribePermissionSet', () => this.#resolve.permissionSetName(arn));
  }

  #permissionSetArn(name: string): Promise<string> {
    return refusingNotFound(
      identityCenter('ListPermissionSets', () => this.#resolve.permissionSetArn(name)),
      false,
    );
  }

  /** An expected failure as an outcome, worded in the terms of the service that failed. */
  #failed(error: unknown): RevocationOutcome {
    if (error instanceof Refusal) {
      return { state: 'failed', retryable: error.retryable, message: error.message };
    }
    if (failedWith(error, 'PolicyNotFoundException')) {
      // Deleted behind our back: find or create it again next time.
      this.#policyId = undefined;
      this.#attached = false;
    }
    const failure =
      error instanceof CallFailure
        ? error.service === 'organizations'
          ? organizationsFailure(error.cause, error.operation, this.#options.targetId)
          : failureFromError(error.cause, error.operation)
        : failureFromError(error, 'session revocation');
    return { state: 'failed', retryable: failure.retryable, message: failure.message };
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work, work);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
