// The emulated tenant's directory: users, groups, direct memberships, and the change log
// that `groups/delta` reads. PIM (pim-state.ts) adds and removes members through here, so
// an activation shows up in members, transitive members and delta like any other change.

import { randomUUID } from 'node:crypto';

export interface UserRecord {
  readonly id: string;
  userPrincipalName: string;
  displayName: string;
  mail: string | undefined;
  givenName: string | undefined;
  surname: string | undefined;
  mailNickname: string;
  accountEnabled: boolean;
  /** Sandbox: whether a sign-in of this user carries MFA unless the form overrides it. */
  mfa: boolean;
  /** Assigned to the provisioning app directly (in scope of the provisioning job). */
  provisioned: boolean;
  readonly createdDateTime: string;
}

export interface GroupRecord {
  readonly id: string;
  displayName: string;
  description: string | undefined;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  /** Assigned to the provisioning app (pushed by the provisioning job with its direct users). */
  provisioned: boolean;
  readonly createdDateTime: string;
}

export type ObjectKind = 'user' | 'group';

/** One entry of the change log behind `groups/delta`. */
export interface DirectoryChange {
  readonly seq: number;
  readonly groupId: string;
  /** `group`: the group itself was created or changed. */
  readonly kind: 'added' | 'removed' | 'group';
  readonly memberId?: string;
  readonly memberKind?: ObjectKind;
}

export interface NewUser {
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mail?: string | undefined;
  readonly givenName?: string | undefined;
  readonly surname?: string | undefined;
  readonly mailNickname?: string | undefined;
  readonly accountEnabled?: boolean;
  readonly mfa?: boolean;
  readonly provisioned?: boolean;
}

export interface NewGroup {
  readonly displayName: string;
  readonly description?: string | undefined;
  readonly mailNickname?: string | undefined;
  readonly mailEnabled?: boolean;
  readonly securityEnabled?: boolean;
  readonly groupTypes?: readonly string[];
  readonly provisioned?: boolean;
}

function nickname(displayName: string): string {
  const alnum = displayName.replace(/[^A-Za-z0-9]/g, '');
  return alnum === '' ? 'group' : alnum;
}

export class EntraDirectory {
  readonly users = new Map<string, UserRecord>();
  readonly groups = new Map<string, GroupRecord>();
  readonly #members = new Map<string, Set<string>>();
  readonly #changes: DirectoryChange[] = [];
  #seq = 0;

  constructor(private readonly now: () => number) {}

  /** A user by object id or by UPN (case-insensitive). */
  user(idOrUpn: string): UserRecord | undefined {
    const byId = this.users.get(idOrUpn.toLowerCase());
    if (byId !== undefined) return byId;
    const upn = idOrUpn.toLowerCase();
    for (const user of this.users.values())
      if (user.userPrincipalName.toLowerCase() === upn) return user;
    return undefined;
  }

  group(id: string): GroupRecord | undefined {
    return this.groups.get(id.toLowerCase());
  }

  /** Groups by display name (not unique in Entra; the seed treats it as a key). */
  groupByName(displayName: string): GroupRecord | undefined {
    const name = displayName.toLowerCase();
    for (const group of this.groups.values())
      if (group.displayName.toLowerCase() === name) return group;
    return undefined;
  }

  kindOf(id: string): ObjectKind | undefined {
    if (this.users.has(id.toLowerCase())) return 'user';
    if (this.groups.has(id.toLowerCase())) return 'group';
    return undefined;
  }

  createUser(input: NewUser): UserRecord {
    const user: UserRecord = {
      id: randomUUID(),
      userPrincipalName: input.userPrincipalName,
      displayName: input.displayName,
      mail: input.mail,
      givenName: input.givenName,
      surname: input.surname,
      mailNickname: input.mailNickname ?? input.userPrincipalName.split('@')[0] ?? 'user',
      accountEnabled: input.accountEnabled ?? true,
      mfa: input.mfa ?? false,
      provisioned: input.provisioned ?? false,
      createdDateTime: new Date(this.now()).toISOString(),
    };
    this.users.set(user.id, user);
    return user;
  }

  createGroup(input: NewGroup): GroupRecord {
    const group: GroupRecord = {
      id: randomUUID(),
      displayName: input.displayName,
      description: input.description,
      mailNickname: input.mailNickname ?? nickname(input.displayName),
      mailEnabled: input.mailEnabled ?? false,
      securityEnabled: input.securityEnabled ?? true,
      groupTypes: [...(input.groupTypes ?? [])],
      provisioned: input.provisioned ?? false,
      createdDateTime: new Date(this.now()).toISOString(),
    };
    this.groups.set(group.id, group);
    this.#members.set(group.id, new Set());
    this.#record({ groupId: group.id, kind: 'group' });
    return group;
  }

  /** Records that a group's own properties changed (for delta). */
  groupChanged(groupId: string): void {
    this.#record({ groupId, kind: 'group' });
  }

  /** Direct members (users and groups), in the order they were added. */
  members(groupId: string): string[] {
    return [...(this.#members.get(groupId) ?? [])];
  }

  isMember(groupId: string, memberId: string): boolean {
    return this.#members.get(groupId)?.has(memberId) ?? false;
  }

  /** Adds a direct member; false when it already was one. */
  addMember(groupId: string, memberId: string): boolean {
    const set = this.#members.get(groupId);
    const memberKind = this.kindOf(memberId);
    if (set === undefined || memberKind === undefined || set.has(memberId)) return false;
    set.add(memberId);
    this.#record({ groupId, kind: 'added', memberId, memberKind });
    return true;
  }

  /** Removes a direct member; false when it was not one. */
  removeMember(groupId: string, memberId: string): boolean {
    const set = this.#members.get(groupId);
    if (set === undefined || !set.delete(memberId)) return false;
    const memberKind = this.kindOf(memberId) ?? 'user';
    this.#record({ groupId, kind: 'removed', memberId, memberKind });
    return true;
  }

  /** Every object below the group: nested groups and all their members, each once. */
  transitiveMembers(groupId: string): string[] {
    const seen = new Set<string>();
    const queue = [groupId];
    while (queue.length > 0) {
      const current = queue.shift() ?? '';
      for (const member of this.#members.get(current) ?? []) {
        if (seen.has(member) || member === groupId) continue;
        seen.add(member);
        if (this.groups.has(member)) queue.push(member);
      }
    }
    return [...seen];
  }

  /** Groups the object is a direct member of. */
  memberOf(objectId: string): string[] {
    return [...this.#members]
      .filter(([, members]) => members.has(objectId))
      .map(([groupId]) => groupId);
  }

  /** Groups the object is a member of, directly or through nested groups. */
  transitiveMemberOf(objectId: string): string[] {
    const seen = new Set<string>();
    const queue = [objectId];
    while (queue.length > 0) {
      const current = queue.shift() ?? '';
      for (const groupId of this.memberOf(current)) {
        if (seen.has(groupId) || groupId === objectId) continue;
        seen.add(groupId);
        queue.push(groupId);
      }
    }
    return [...seen];
  }

  /** The sequence number of the latest change (0 before any). */
  get sequence(): number {
    return this.#seq;
  }

  changesSince(seq: number): DirectoryChange[] {
    return this.#changes.filter((c) => c.seq > seq);
  }

  #record(change: Omit<DirectoryChange, 'seq'>): void {
    this.#seq += 1;
    this.#changes.push({ seq: this.#seq, ...change });
  }
}
