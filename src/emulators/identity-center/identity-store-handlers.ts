// identitystore: users, groups and group memberships of the instance's identity store.
// A membership that exists already is a ConflictException (UNIQUENESS_CONSTRAINT_VIOLATION),
// as CLOUD-APIS.md section A says; callers treat it as success.

import { AwsError, conflictError, notFoundError, validationError } from './aws-error.js';
import {
  identityStoreObjectId,
  type EmulatorState,
  type GroupRecord,
  type UserRecord,
} from './emulator-state.js';
import type { JsonInput, JsonObject } from './json-input.js';
import { compact, type HandlerTable } from './operation-handler.js';
import { paginate } from './paginate.js';

const idPattern =
  /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;

function requireStore(input: JsonInput, state: EmulatorState): void {
  const id = input.string('IdentityStoreId');
  if (!/^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
    throw validationError(`IdentityStoreId is not valid: ${id}`);
  }
  if (id !== state.identityStoreId) {
    throw notFoundError(`Identity store ${id} does not exist`, {
      ResourceType: 'IDENTITY_STORE',
      ResourceId: id,
    });
  }
}

function objectId(input: JsonInput, member: string): string {
  const id = input.string(member);
  if (!idPattern.test(id)) throw validationError(`${member} is not a valid identity store id`);
  return id;
}

function requireUser(state: EmulatorState, id: string): UserRecord {
  const user = state.users.get(id);
  if (user === undefined)
    throw notFoundError(`User ${id} does not exist`, { ResourceType: 'USER', ResourceId: id });
  return user;
}

function requireGroup(state: EmulatorState, id: string): GroupRecord {
  const group = state.groups.get(id);
  if (group === undefined)
    throw notFoundError(`Group ${id} does not exist`, { ResourceType: 'GROUP', ResourceId: id });
  return group;
}

/** MemberId is a union with one member, UserId. */
function memberUserId(input: JsonInput): string {
  return objectId(input.object('MemberId'), 'UserId');
}

function externalIds(list: readonly { issuer: string; id: string }[]): JsonObject[] | undefined {
  return list.length === 0 ? undefined : list.map((e) => ({ Issuer: e.issuer, Id: e.id }));
}

function userShape(user: UserRecord, storeId: string): JsonObject {
  return compact({
    UserName: user.userName,
    UserId: user.id,
    ExternalIds: externalIds(user.externalIds),
    Name: user.name,
    DisplayName: user.displayName,
    Emails:
      user.emails.length === 0
        ? undefined
        : user.emails.map((e) => compact({ Value: e.value, Type: e.type, Primary: e.primary })),
    IdentityStoreId: storeId,
  });
}

function groupShape(group: GroupRecord, storeId: string): JsonObject {
  return compact({
    GroupId: group.id,
    DisplayName: group.displayName,
    ExternalIds: externalIds(group.externalIds),
    Description: group.description,
    IdentityStoreId: storeId,
  });
}

function membershipShape(
  m: { id: string; groupId: string; userId: string },
  storeId: string,
): JsonObject {
  return {
    IdentityStoreId: storeId,
    MembershipId: m.id,
    GroupId: m.groupId,
    MemberId: { UserId: m.userId },
  };
}

/** AlternateIdentifier: a union of ExternalId {Issuer, Id} and UniqueAttribute {AttributePath, AttributeValue}. */
function alternateIdentifier(
  input: JsonInput,
):
  | { kind: 'external'; issuer: string; id: string }
  | { kind: 'attribute'; path: string; value: string } {
  const alt = input.object('AlternateIdentifier');
  const external = alt.optObject('ExternalId');
  const unique = alt.optObject('UniqueAttribute');
  if ((external === undefined) === (unique === undefined)) {
    throw validationError('AlternateIdentifier needs exactly one of ExternalId or UniqueAttribute');
  }
  if (external !== undefined)
    return { kind: 'external', issuer: external.string('Issuer'), id: external.string('Id') };
  const attribute = unique as JsonInput;
  const value = attribute.raw.AttributeValue;
  if (typeof value !== 'string')
    throw validationError('UniqueAttribute.AttributeValue must be a string');
  return { kind: 'attribute', path: attribute.string('AttributePath'), value };
}

function readFilters(input: JsonInput, allowed: string): string | undefined {
  const filters = input.optObjectList('Filters');
  if (filters === undefined || filters.length === 0) return undefined;
  if (filters.length > 1) throw validationError('At most one filter');
  const [filter] = filters as [JsonInput];
  if (filter.string('AttributePath').toLowerCase() !== allowed.toLowerCase()) {
    throw validationError(`Only the ${allowed} filter is supported`);
  }
  return filter.string('AttributeValue');
}

export const identityStoreHandlers: HandlerTable = {
  CreateUser: (input, { state }) => {
    requireStore(input, state);
    const userName = input.string('UserName');
    if (userName.length > 128) throw validationError('UserName is longer than 128 characters');
    refuseReservedName(userName, 'UserName');
    // The API reference, DisplayName and Name: "When used in IAM Identity Center, this
    // parameter is required."
    const displayName = input.optString('DisplayName');
    if (displayName === undefined || displayName.trim() === '')
      throw validationError('DisplayName is required for a user of IAM Identity Center');
    refuseReservedName(displayName, 'DisplayName');
    if (input.optObject('Name') === undefined)
      throw validationError('Name is required for a user of IAM Identity Center');
    // IdC user names are unique regardless of case.
    if (
      [...state.users.values()].some((u) => u.userName.toLowerCase() === userName.toLowerCase())
    ) {
      throw conflictError(`A user named ${userName} exists`, {
        Reason: 'UNIQUENESS_CONSTRAINT_VIOLATION',
      });
    }
    const emails = (input.optObjectList('Emails') ?? []).map((e) =>
      compactEmail(e.string('Value'), e.optString('Type'), e.raw.Primary),
    );
    if (emails.length > 1)
      throw validationError('Currently list attributes only allow single item');
    const nameInput = input.optObject('Name');
    const name: Record<string, string> = {};
    for (const key of [
      'Formatted',
      'FamilyName',
      'GivenName',
      'MiddleName',
      'HonorificPrefix',
      'HonorificSuffix',
    ]) {
      const value = nameInput?.optString(key);
      if (value !== undefined) name[key] = value;
    }
    // ExternalIds is not in the public CreateUser request model; accepted as an emulator
    // extension so seeds can give users the ids an IdP would have provisioned via SCIM.
    const ext = (input.optObjectList('ExternalIds') ?? []).map((e) => ({
      issuer: e.string('Issuer'),
      id: e.string('Id'),
    }));
    const user: UserRecord = {
      id: identityStoreObjectId(),
      userName,
      displayName,
      name: nameInput === undefined ? undefined : name,
      emails,
      externalIds: ext,
    };
    state.users.set(user.id, user);
    return { UserId: user.id, IdentityStoreId: state.identityStoreId };
  },

  DescribeUser: (input, { state }) => {
    requireStore(input, state);
    return userShape(requireUser(state, objectId(input, 'UserId')), state.identityStoreId);
  },

  DeleteUser: (input, { state }) => {
    requireStore(input, state);
    const user = requireUser(state, objectId(input, 'UserId'));
    state.users.delete(user.id);
    for (const [id, m] of state.memberships) if (m.userId === user.id) state.memberships.delete(id);
    return {};
  },

  ListUsers: (input, { state }) => {
    requireStore(input, state);
    const userName = readFilters(input, 'UserName');
    const users = [...state.users.values()].filter(
      (u) => userName === undefined || u.userName === userName,
    );
    const page = paginate(users, input, 'ListUsers');
    return compact({
      Users: page.items.map((u) => userShape(u, state.identityStoreId)),
      NextToken: page.nextToken,
    });
  },

  GetUserId: (input, { state }) => {
    requireStore(input, state);
    const alt = alternateIdentifier(input);
    const user = [...state.users.values()].find((u) => {
      if (alt.kind === 'external')
        return u.externalIds.some((e) => e.issuer === alt.issuer && e.id === alt.id);
      switch (alt.path) {
        case 'userName':
          return u.userName.toLowerCase() === alt.value.toLowerCase();
        case 'emails.value':
          return u.emails.some((e) => e.value === alt.value);
        default:
          throw validationError(`AttributePath ${alt.path} is not a unique attribute of users`);
      }
    });
    if (user === undefined)
      throw notFoundError('No user matches the identifier', { ResourceType: 'USER' });
    return { UserId: user.id, IdentityStoreId: state.identityStoreId };
  },

  CreateGroup: (input, { state }) => {
    requireStore(input, state);
    const displayName = input.string('DisplayName');
    if (displayName.length > 1024)
      throw validationError('DisplayName is longer than 1024 characters');
    refuseReservedName(displayName, 'DisplayName');
    if ([...state.groups.values()].some((g) => g.displayName === displayName)) {
      throw conflictError(`A group named ${displayName} exists`, {
        Reason: 'UNIQUENESS_CONSTRAINT_VIOLATION',
      });
    }
    const group: GroupRecord = {
      id: identityStoreObjectId(),
      displayName,
      description: input.optString('Description'),
      externalIds: [],
    };
    state.groups.set(group.id, group);
    return { GroupId: group.id, IdentityStoreId: state.identityStoreId };
  },

  DescribeGroup: (input, { state }) => {
    requireStore(input, state);
    return groupShape(requireGroup(state, objectId(input, 'GroupId')), state.identityStoreId);
  },

  DeleteGroup: (input, { state }) => {
    requireStore(input, state);
    const group = requireGroup(state, objectId(input, 'GroupId'));
    state.groups.delete(group.id);
    for (const [id, m] of state.memberships)
      if (m.groupId === group.id) state.memberships.delete(id);
    return {};
  },

  ListGroups: (input, { state }) => {
    requireStore(input, state);
    const displayName = readFilters(input, 'DisplayName');
    const groups = [...state.groups.values()].filter(
      (g) => displayName === undefined || g.displayName === displayName,
    );
    const page = paginate(groups, input, 'ListGroups');
    return compact({
      Groups: page.items.map((g) => groupShape(g, state.identityStoreId)),
      NextToken: page.nextToken,
    });
  },

  GetGroupId: (input, { state }) => {
    requireStore(input, state);
    const alt = alternateIdentifier(input);
    if (alt.kind === 'attribute' && alt.path !== 'displayName') {
      throw validationError(`AttributePath ${alt.path} is not a unique attribute of groups`);
    }
    const group = [...state.groups.values()].find((g) =>
      alt.kind === 'external'
        ? g.externalIds.some((e) => e.issuer === alt.issuer && e.id === alt.id)
        : g.displayName === alt.value,
    );
    if (group === undefined)
      throw notFoundError('No group matches the identifier', { ResourceType: 'GROUP' });
    return { GroupId: group.id, IdentityStoreId: state.identityStoreId };
  },

  CreateGroupMembership: (input, { state }) => {
    requireStore(input, state);
    const group = requireGroup(state, objectId(input, 'GroupId'));
    const user = requireUser(state, memberUserId(input));
    if (
      [...state.memberships.values()].some((m) => m.groupId === group.id && m.userId === user.id)
    ) {
      throw conflictError('Member and Group relationship already exists', {
        Reason: 'UNIQUENESS_CONSTRAINT_VIOLATION',
      });
    }
    const membership = { id: identityStoreObjectId(), groupId: group.id, userId: user.id };
    state.memberships.set(membership.id, membership);
    return { MembershipId: membership.id, IdentityStoreId: state.identityStoreId };
  },

  DeleteGroupMembership: (input, { state }) => {
    requireStore(input, state);
    const id = objectId(input, 'MembershipId');
    if (!state.memberships.delete(id)) {
      throw notFoundError(`Membership ${id} does not exist`, {
        ResourceType: 'GROUP_MEMBERSHIP',
        ResourceId: id,
      });
    }
    return {};
  },

  DescribeGroupMembership: (input, { state }) => {
    requireStore(input, state);
    const id = objectId(input, 'MembershipId');
    const m = state.memberships.get(id);
    if (m === undefined)
      throw notFoundError(`Membership ${id} does not exist`, {
        ResourceType: 'GROUP_MEMBERSHIP',
        ResourceId: id,
      });
    return membershipShape(m, state.identityStoreId);
  },

  GetGroupMembershipId: (input, { state }) => {
    requireStore(input, state);
    const groupId = objectId(input, 'GroupId');
    const userId = memberUserId(input);
    const m = [...state.memberships.values()].find(
      (x) => x.groupId === groupId && x.userId === userId,
    );
    if (m === undefined)
      throw notFoundError('The membership does not exist', { ResourceType: 'GROUP_MEMBERSHIP' });
    return { MembershipId: m.id, IdentityStoreId: state.identityStoreId };
  },

  IsMemberInGroups: (input, { state }) => {
    requireStore(input, state);
    const userId = memberUserId(input);
    const groupIds = input.optStringList('GroupIds');
    if (groupIds === undefined || groupIds.length < 1 || groupIds.length > 100) {
      throw validationError('GroupIds must hold 1 to 100 group ids');
    }
    for (const id of groupIds)
      if (!idPattern.test(id)) throw validationError(`Invalid group id: ${id}`);
    const memberships = [...state.memberships.values()];
    return {
      Results: groupIds.map((groupId) => ({
        GroupId: groupId,
        MemberId: { UserId: userId },
        MembershipExists: memberships.some((m) => m.groupId === groupId && m.userId === userId),
      })),
    };
  },

  ListGroupMemberships: (input, { state }) => {
    requireStore(input, state);
    const group = requireGroup(state, objectId(input, 'GroupId'));
    const items = [...state.memberships.values()].filter((m) => m.groupId === group.id);
    const page = paginate(items, input, `members:${group.id}`);
    return compact({
      GroupMemberships: page.items.map((m) => membershipShape(m, state.identityStoreId)),
      NextToken: page.nextToken,
    });
  },

  ListGroupMembershipsForMember: (input, { state }) => {
    requireStore(input, state);
    const userId = memberUserId(input);
    const items = [...state.memberships.values()].filter((m) => m.userId === userId);
    const page = paginate(items, input, `member-of:${userId}`);
    return compact({
      GroupMemberships: page.items.map((m) => membershipShape(m, state.identityStoreId)),
      NextToken: page.nextToken,
    });
  },
};

function compactEmail(
  value: string,
  type: string | undefined,
  primary: unknown,
): UserRecord['emails'][number] {
  if (primary !== undefined && primary !== null && typeof primary !== 'boolean') {
    throw new AwsError('SerializationException', 'Emails.Primary must be a boolean');
  }
  return {
    value,
    ...(type === undefined ? {} : { type }),
    ...(typeof primary === 'boolean' ? { primary } : {}),
  };
}

/** CreateGroup's DisplayName in the API reference: "Administrator and AWSAdministrators are
 *  reserved names and can't be used for users or groups." */
const RESERVED_NAMES = new Set(['administrator', 'awsadministrators']);

function refuseReservedName(value: string, member: string): void {
  if (RESERVED_NAMES.has(value.trim().toLowerCase()))
    throw validationError(`${member} ${value} is a reserved name in IAM Identity Center`);
}
