// Entra's provisioning to AWS IAM Identity Center, emulated: a job that pushes users,
// groups and memberships to a SCIM endpoint (the IdC emulator's) over HTTP on a cycle of
// 40 minutes (scaled by a sandbox time factor), driven by the emulator clock, with Entra's
// limits: only groups assigned to the app (`provisioned`) and their *direct* user members
// are in scope (nested groups are neither read nor provisioned), users that leave the scope
// are disabled (`active=false`), group PATCHes carry at most 100 member changes. Like
// Entra, it keeps its own record (escrow) of what it pushed and only sends differences.
// `provisionOnDemand` pushes one group with up to 5 members, or one user, right away.

import type { EmulatorLogger } from '../emulator-runtime.js';
import type { EntraDirectory, GroupRecord, UserRecord } from './entra-directory.js';

export const defaultCycleMs = 40 * 60 * 1000;
const maxMemberChangesPerPatch = 100;
const patchSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export interface ProvisioningCounts {
  usersCreated: number;
  usersUpdated: number;
  usersDisabled: number;
  groupsCreated: number;
  groupsDeleted: number;
  membersAdded: number;
  membersRemoved: number;
  scimRequests: number;
  errors: number;
}

export interface ProvisioningStatus {
  readonly configured: boolean;
  readonly servicePrincipalId: string;
  readonly jobId: string;
  /** Effective cycle on the emulator clock (cycleMs / timeFactor). */
  readonly cycleMs: number;
  readonly cycles: number;
  readonly running: boolean;
  readonly lastCycleStartedAt: string | null;
  readonly lastCycleEndedAt: string | null;
  readonly nextCycleAt: string | null;
  readonly lastCycle: ProvisioningCounts | null;
  readonly totals: ProvisioningCounts;
  /** The last SCIM failure (method, path, status, SCIM detail), without tokens. */
  readonly lastError: string | null;
}

export interface OnDemandSubject {
  readonly objectId: string;
  readonly objectTypeName: 'User' | 'Group';
  readonly memberIds: readonly string[];
}

export interface OnDemandStep {
  readonly objectId: string;
  readonly objectTypeName: 'User' | 'Group';
  readonly action: string;
  readonly status: 'Success' | 'Skipped' | 'Failure';
  readonly detail?: string;
}

export interface ProvisioningJobOptions {
  readonly directory: EntraDirectory;
  readonly now: () => number;
  readonly logger: EmulatorLogger;
  readonly servicePrincipalId: string;
  readonly jobId: string;
  readonly scimUrl?: string;
  readonly scimToken?: string;
  readonly cycleMs?: number;
  readonly timeFactor?: number;
}

const zeroCounts = (): ProvisioningCounts => ({
  usersCreated: 0,
  usersUpdated: 0,
  usersDisabled: 0,
  groupsCreated: 0,
  groupsDeleted: 0,
  membersAdded: 0,
  membersRemoved: 0,
  scimRequests: 0,
  errors: 0,
});

class ScimFailure extends Error {}

interface PushedUser {
  readonly scimId: string;
  fingerprint: string;
  active: boolean;
}

export class ProvisioningJob {
  readonly servicePrincipalId: string;
  readonly jobId: string;
  readonly #options: ProvisioningJobOptions;
  readonly #cycleMs: number;
  readonly #startedAt: number;
  #nextCycleAt: number | undefined;
  #cycles = 0;
  #running: Promise<void> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #lastStartedAt: number | undefined;
  #lastEndedAt: number | undefined;
  #lastCycle: ProvisioningCounts | undefined;
  #totals = zeroCounts();
  #lastError: string | undefined;
  #current = zeroCounts();
  readonly #users = new Map<string, PushedUser>();
  readonly #groups = new Map<string, string>();
  readonly #groupMembers = new Map<string, Set<string>>();

  constructor(options: ProvisioningJobOptions) {
    this.#options = options;
    this.servicePrincipalId = options.servicePrincipalId;
    this.jobId = options.jobId;
    const factor = options.timeFactor ?? 1;
    if (!(factor > 0)) throw new RangeError('provisioning.timeFactor must be a number > 0');
    const cycle = options.cycleMs ?? defaultCycleMs;
    if (!(cycle > 0)) throw new RangeError('provisioning.cycleMs must be a number > 0');
    this.#cycleMs = cycle / factor;
    this.#startedAt = options.now();
    this.#nextCycleAt = this.configured ? this.#startedAt + this.#cycleMs : undefined;
  }

  get configured(): boolean {
    return this.#options.scimUrl !== undefined && this.#options.scimToken !== undefined;
  }

  /** When the clock-driven cycle is next due (undefined while one runs or when unconfigured). */
  nextDeadline(): number | undefined {
    return this.#running === undefined ? this.#nextCycleAt : undefined;
  }

  /** Starts the cycle if the clock has reached its boundary (called by the clock timer). */
  tick(now: number): void {
    if (this.#nextCycleAt === undefined || now < this.#nextCycleAt || this.#running !== undefined)
      return;
    const passed = Math.floor((now - this.#startedAt) / this.#cycleMs);
    this.#nextCycleAt = this.#startedAt + (passed + 1) * this.#cycleMs;
    void this.#startCycle();
  }

  /** Runs a cycle now (after any that is running) and resolves with the status after it. */
  async runCycle(): Promise<ProvisioningStatus> {
    if (!this.configured)
      throw new Error(
        'provisioning is not configured: start the emulator with provisioning {scimUrl, scimToken}',
      );
    await this.settled();
    await this.#startCycle();
    return this.status();
  }

  /** Resolves when no cycle is running. */
  async settled(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  #startCycle(): Promise<void> {
    const run = this.#serialised(() => this.#cycle()).finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  #serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  status(): ProvisioningStatus {
    const iso = (ms: number | undefined): string | null =>
      ms === undefined ? null : new Date(ms).toISOString();
    return {
      configured: this.configured,
      servicePrincipalId: this.servicePrincipalId,
      jobId: this.jobId,
      cycleMs: this.#cycleMs,
      cycles: this.#cycles,
      running: this.#running !== undefined,
      lastCycleStartedAt: iso(this.#lastStartedAt),
      lastCycleEndedAt: iso(this.#lastEndedAt),
      nextCycleAt: iso(this.#nextCycleAt),
      lastCycle: this.#lastCycle === undefined ? null : { ...this.#lastCycle },
      totals: { ...this.#totals },
      lastError: this.#lastError ?? null,
    };
  }

  // ---- scope ---------------------------------------------------------------------------

  #provisionedGroups(): GroupRecord[] {
    return [...this.#options.directory.groups.values()].filter(
      (g) => g.provisioned && g.securityEnabled,
    );
  }

  /** Direct user members only: nested groups are not read. */
  #directUsers(groupId: string): UserRecord[] {
    const dir = this.#options.directory;
    return dir.members(groupId).flatMap((id) => {
      const user = dir.users.get(id);
      return user === undefined ? [] : [user];
    });
  }

  #usersInScope(): Map<string, UserRecord> {
    const scope = new Map<string, UserRecord>();
    for (const user of this.#options.directory.users.values())
      if (user.provisioned) scope.set(user.id, user);
    for (const group of this.#provisionedGroups())
      for (const user of this.#directUsers(group.id)) scope.set(user.id, user);
    return scope;
  }

  // ---- the cycle -----------------------------------------------------------------------

  async #cycle(): Promise<void> {
    const now = this.#options.now;
    this.#lastStartedAt = now();
    this.#current = zeroCounts();
    const scope = this.#usersInScope();
    for (const user of scope.values())
      await this.#attempt(() => this.#pushUser(user, user.accountEnabled));
    for (const [userId, pushed] of this.#users) {
      if (scope.has(userId) || !pushed.active) continue;
      const user = this.#options.directory.users.get(userId);
      await this.#attempt(() => this.#disableUser(userId, pushed, user));
    }
    const groups = this.#provisionedGroups();
    for (const group of groups) {
      await this.#attempt(async () => {
        const scimId = await this.#ensureGroup(group);
        const desired = new Set(
          this.#directUsers(group.id)
            .map((u) => u.id)
            .filter((id) => this.#users.has(id)),
        );
        await this.#syncMembers(group.id, scimId, desired, undefined);
      });
    }
    for (const [groupId, scimId] of [...this.#groups]) {
      if (groups.some((g) => g.id === groupId)) continue;
      await this.#attempt(async () => {
        await this.#scim('DELETE', `/Groups/${encodeURIComponent(scimId)}`, undefined, [204, 404]);
        this.#groups.delete(groupId);
        this.#groupMembers.delete(groupId);
        this.#current.groupsDeleted += 1;
      });
    }
    this.#cycles += 1;
    this.#lastEndedAt = now();
    this.#lastCycle = { ...this.#current };
    for (const key of Object.keys(this.#totals) as (keyof ProvisioningCounts)[])
      this.#totals[key] += this.#current[key];
    this.#options.logger.info(
      { cycle: this.#cycles, ...this.#current },
      'entra emulator: provisioning cycle finished',
    );
  }

  async #attempt(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#current.errors += 1;
      if (!(error instanceof ScimFailure)) {
        this.#lastError = error instanceof Error ? error.message : String(error);
      }
    }
  }

  async #scim(
    method: string,
    path: string,
    body: unknown,
    okStatuses: readonly number[] = [200, 201, 204],
  ): Promise<Record<string, unknown> | undefined> {
    const base = (this.#options.scimUrl ?? '').replace(/\/+$/, '');
    this.#current.scimRequests += 1;
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#options.scimToken ?? ''}`,
          accept: 'application/scim+json',
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      this.#lastError = `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`;
      throw new ScimFailure(this.#lastError);
    }
    const text = await response.text();
    if (!okStatuses.includes(response.status)) {
      let detail = '';
      try {
        const parsed = JSON.parse(text) as { detail?: unknown };
        detail = typeof parsed.detail === 'string' ? `: ${parsed.detail}` : '';
      } catch {
        // not JSON
      }
      this.#lastError = `${method} ${path.split('?')[0] ?? path} answered ${response.status}${detail}`;
      this.#options.logger.warn(
        { method, status: response.status },
        `entra emulator: provisioning ${this.#lastError}`,
      );
      throw new ScimFailure(this.#lastError);
    }
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  #userResource(user: UserRecord, active: boolean): Record<string, unknown> {
    const words = user.displayName.trim().split(/\s+/);
    const givenName = user.givenName ?? words[0] ?? user.displayName;
    const familyName =
      user.surname ?? (words.length > 1 ? words.slice(1).join(' ') : user.displayName);
    return {
      schemas: [userSchema],
      externalId: user.id,
      userName: user.userPrincipalName,
      displayName: user.displayName,
      name: { givenName, familyName },
      emails: [{ value: user.mail ?? user.userPrincipalName, type: 'work', primary: true }],
      active,
    };
  }

  async #findByFilter(resource: 'Users' | 'Groups', filter: string): Promise<string | undefined> {
    const list = await this.#scim(
      'GET',
      `/${resource}?filter=${encodeURIComponent(filter)}`,
      undefined,
      [200],
    );
    const resources = list?.Resources;
    const first = Array.isArray(resources)
      ? (resources[0] as { id?: unknown } | undefined)
      : undefined;
    return typeof first?.id === 'string' ? first.id : undefined;
  }

  async #pushUser(user: UserRecord, active: boolean): Promise<void> {
    const resource = this.#userResource(user, active);
    const fingerprint = JSON.stringify(resource);
    const pushed = this.#users.get(user.id);
    if (pushed?.fingerprint === fingerprint) return;
    if (pushed === undefined) {
      const existing = await this.#findByFilter(
        'Users',
        `userName eq "${user.userPrincipalName.replaceAll('"', '\\"')}"`,
      );
      if (existing === undefined) {
        const created = await this.#scim('POST', '/Users', resource, [201]);
        const scimId = typeof created?.id === 'string' ? created.id : undefined;
        if (scimId === undefined) throw new ScimFailure('POST /Users answered without an id');
        this.#users.set(user.id, { scimId, fingerprint, active });
        this.#current.usersCreated += 1;
        return;
      }
      await this.#scim('PUT', `/Users/${encodeURIComponent(existing)}`, resource, [200]);
      this.#users.set(user.id, { scimId: existing, fingerprint, active });
      this.#current.usersUpdated += 1;
      return;
    }
    const name = resource.name as { givenName: string; familyName: string };
    await this.#scim(
      'PATCH',
      `/Users/${encodeURIComponent(pushed.scimId)}`,
      {
        schemas: [patchSchema],
        Operations: [
          { op: 'replace', path: 'active', value: active },
          { op: 'replace', path: 'displayName', value: user.displayName },
          { op: 'replace', path: 'userName', value: user.userPrincipalName },
          { op: 'replace', path: 'name.givenName', value: name.givenName },
          { op: 'replace', path: 'name.familyName', value: name.familyName },
          {
            op: 'replace',
            path: 'emails[type eq "work"].value',
            value: user.mail ?? user.userPrincipalName,
          },
        ],
      },
      [200, 204],
    );
    if (pushed.active && !active) this.#current.usersDisabled += 1;
    else this.#current.usersUpdated += 1;
    pushed.fingerprint = fingerprint;
    pushed.active = active;
  }

  async #disableUser(
    userId: string,
    pushed: PushedUser,
    user: UserRecord | undefined,
  ): Promise<void> {
    await this.#scim(
      'PATCH',
      `/Users/${encodeURIComponent(pushed.scimId)}`,
      { schemas: [patchSchema], Operations: [{ op: 'replace', path: 'active', value: false }] },
      [200, 204],
    );
    pushed.active = false;
    pushed.fingerprint = user === undefined ? '' : JSON.stringify(this.#userResource(user, false));
    this.#current.usersDisabled += 1;
    this.#options.logger.debug(
      { userId },
      'entra emulator: provisioning disabled a user out of scope',
    );
  }

  async #ensureGroup(group: GroupRecord): Promise<string> {
    const known = this.#groups.get(group.id);
    if (known !== undefined) return known;
    const existing = await this.#findByFilter(
      'Groups',
      `displayName eq "${group.displayName.replaceAll('"', '\\"')}"`,
    );
    if (existing !== undefined) {
      this.#groups.set(group.id, existing);
      return existing;
    }
    const created = await this.#scim(
      'POST',
      '/Groups',
      { schemas: [groupSchema], displayName: group.displayName, externalId: group.id, members: [] },
      [201],
    );
    const scimId = typeof created?.id === 'string' ? created.id : undefined;
    if (scimId === undefined) throw new ScimFailure('POST /Groups answered without an id');
    this.#groups.set(group.id, scimId);
    this.#current.groupsCreated += 1;
    return scimId;
  }

  /**
   * Brings the SCIM group's members to `desired` (Entra user ids), sending differences in
   * PATCHes of at most 100 changes. `only` limits the members considered (on demand).
   */
  async #syncMembers(
    groupId: string,
    scimGroupId: string,
    desired: ReadonlySet<string>,
    only: ReadonlySet<string> | undefined,
  ): Promise<void> {
    let pushed = this.#groupMembers.get(groupId);
    if (pushed === undefined) {
      pushed = new Set();
      this.#groupMembers.set(groupId, pushed);
    }
    const consider = (id: string): boolean => only === undefined || only.has(id);
    const add = [...desired].filter((id) => consider(id) && !pushed.has(id));
    const remove = [...pushed].filter((id) => consider(id) && !desired.has(id));
    const changes = [
      ...add.map((id) => ({ op: 'add' as const, id })),
      ...remove.map((id) => ({ op: 'remove' as const, id })),
    ];
    for (let i = 0; i < changes.length; i += maxMemberChangesPerPatch) {
      const chunk = changes.slice(i, i + maxMemberChangesPerPatch);
      const operations = (['add', 'remove'] as const).flatMap((op) => {
        const value = chunk
          .filter((c) => c.op === op)
          .flatMap((c) => {
            const scimId = this.#users.get(c.id)?.scimId;
            return scimId === undefined ? [] : [{ value: scimId }];
          });
        return value.length === 0 ? [] : [{ op, path: 'members', value }];
      });
      if (operations.length === 0) continue;
      await this.#scim(
        'PATCH',
        `/Groups/${encodeURIComponent(scimGroupId)}`,
        { schemas: [patchSchema], Operations: operations },
        [200, 204],
      );
      for (const c of chunk) {
        if (c.op === 'add') {
          pushed.add(c.id);
          this.#current.membersAdded += 1;
        } else {
          pushed.delete(c.id);
          this.#current.membersRemoved += 1;
        }
      }
    }
  }

  /** Provisions one subject now (the caller has checked limits); serialised with cycles. */
  provisionOnDemand(subject: OnDemandSubject): Promise<OnDemandStep[]> {
    return this.#serialised(async () => {
      this.#current = zeroCounts();
      const steps: OnDemandStep[] = [];
      const dir = this.#options.directory;
      const scope = this.#usersInScope();
      const step = async (
        objectId: string,
        objectTypeName: 'User' | 'Group',
        action: string,
        work: () => Promise<void>,
      ): Promise<void> => {
        try {
          await work();
          steps.push({ objectId, objectTypeName, action, status: 'Success' });
        } catch (error) {
          steps.push({
            objectId,
            objectTypeName,
            action,
            status: 'Failure',
            detail: error instanceof Error ? error.message : String(error),
          });
        }
      };
      if (subject.objectTypeName === 'User') {
        const user = dir.users.get(subject.objectId);
        if (user === undefined || !scope.has(user.id)) {
          const pushed = this.#users.get(subject.objectId);
          if (pushed?.active === true)
            await step(subject.objectId, 'User', 'Disable', () =>
              this.#disableUser(subject.objectId, pushed, user),
            );
          else
            steps.push({
              objectId: subject.objectId,
              objectTypeName: 'User',
              action: 'None',
              status: 'Skipped',
              detail: 'The user is not in scope of the provisioning job (SkippedForScoping).',
            });
        } else {
          await step(user.id, 'User', 'Provision', () => this.#pushUser(user, user.accountEnabled));
        }
      } else {
        const group = dir.groups.get(subject.objectId);
        if (group === undefined || !group.provisioned) {
          steps.push({
            objectId: subject.objectId,
            objectTypeName: 'Group',
            action: 'None',
            status: 'Skipped',
            detail: 'The group is not assigned to the provisioning app (SkippedForScoping).',
          });
        } else {
          let scimGroupId: string | undefined;
          await step(group.id, 'Group', 'Provision', async () => {
            scimGroupId = await this.#ensureGroup(group);
          });
          const members = subject.memberIds;
          const desired = new Set<string>();
          for (const memberId of members) {
            const user = dir.users.get(memberId);
            if (user !== undefined && dir.isMember(group.id, user.id)) {
              await step(user.id, 'User', 'Provision', () =>
                this.#pushUser(user, user.accountEnabled),
              );
              if (this.#users.has(user.id)) desired.add(user.id);
            }
          }
          if (scimGroupId !== undefined) {
            const id = scimGroupId;
            await step(group.id, 'Group', 'UpdateMembership', () =>
              this.#syncMembers(group.id, id, desired, new Set(members)),
            );
          }
        }
      }
      for (const key of Object.keys(this.#totals) as (keyof ProvisioningCounts)[])
        this.#totals[key] += this.#current[key];
      return steps;
    });
  }
}
