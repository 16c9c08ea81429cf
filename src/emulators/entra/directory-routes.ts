// Graph v1.0 directory routes: users, groups, members (with $ref), transitive members and
// memberships, and /me. Lists take $filter/$select/$top and page with @odata.nextLink.

import type { UserRecord } from './entra-directory.js';
import {
  context,
  directoryObjectView,
  groupProperties,
  groupView,
  jsonObjectBody,
  userProperties,
  userView,
  type GraphCall,
  type GraphRoute,
} from './graph-context.js';
import { badRequest, forbidden, notFound } from './graph-error.js';
import { permissionsFor } from './graph-permissions.js';
import { emptyResponse, isRecord, jsonResponse, type EntraResponse } from './http-kit.js';
import {
  listPage,
  matchesFilter,
  parseListQuery,
  parseSelect,
  project,
  propertyOf,
  type ListQueryOptions,
} from './odata-query.js';
import type { RouteTable } from './route-table.js';

const userQuery: ListQueryOptions = {
  typeName: 'microsoft.graph.user',
  filterable: [
    'id',
    'userPrincipalName',
    'mail',
    'displayName',
    'givenName',
    'surname',
    'mailNickname',
    'accountEnabled',
  ],
  selectable: userProperties,
  defaultTop: 100,
  maxTop: 999,
};

const groupQuery: ListQueryOptions = {
  typeName: 'microsoft.graph.group',
  filterable: ['id', 'displayName', 'mailNickname', 'securityEnabled', 'mailEnabled', 'groupTypes'],
  selectable: groupProperties,
  defaultTop: 100,
  maxTop: 999,
};

const objectQuery: ListQueryOptions = {
  typeName: 'microsoft.graph.directoryObject',
  filterable: ['id', 'displayName', 'userPrincipalName', 'mail'],
  selectable: [...new Set([...userProperties, ...groupProperties])],
  defaultTop: 100,
  maxTop: 999,
};

type Cast = 'user' | 'group' | undefined;

function list(
  call: GraphCall,
  items: Record<string, unknown>[],
  options: ListQueryOptions,
  contextFragment: string,
): EntraResponse {
  const query = parseListQuery(call.request.query, options);
  const filtered =
    query.filter === undefined
      ? items
      : items.filter((item) =>
          matchesFilter(query.filter as NonNullable<typeof query.filter>, (p) =>
            propertyOf(item, p),
          ),
        );
  return jsonResponse(
    200,
    listPage(
      filtered,
      query,
      { base: call.world.graphUrl, path: call.path, search: call.request.query },
      context(call.world.graphUrl, contextFragment),
    ),
  );
}

function requireUser(call: GraphCall, key: string): UserRecord {
  const user = call.world.directory.user(key);
  if (user === undefined) throw notFound(key);
  return user;
}

function requireGroupId(call: GraphCall, id: string): string {
  const group = call.world.directory.group(id);
  if (group === undefined) throw notFound(id);
  return group.id;
}

function hasAny(call: GraphCall, permissions: readonly string[]): boolean {
  return permissions.some((p) => call.caller.permissions.includes(p));
}

function objectsView(
  call: GraphCall,
  ids: readonly string[],
  cast: Cast,
): Record<string, unknown>[] {
  const select = call.request.query.get('$select') !== null;
  return ids.flatMap((id) => {
    const dir = call.world.directory;
    if (cast !== 'group') {
      const user = dir.users.get(id);
      if (user !== undefined)
        return [{ '@odata.type': '#microsoft.graph.user', ...userView(user, select) }];
    }
    if (cast !== 'user') {
      const group = dir.groups.get(id);
      if (group !== undefined)
        return [{ '@odata.type': '#microsoft.graph.group', ...groupView(group) }];
    }
    return [];
  });
}

function castContext(cast: Cast): string {
  return cast === undefined ? 'directoryObjects' : cast === 'user' ? 'users' : 'groups';
}

function userKey(call: GraphCall): string {
  if (call.params.length > 0) return call.params[0] ?? '';
  if (call.caller.kind !== 'user')
    throw badRequest('/me request is only valid with delegated authentication flow.');
  return call.caller.userId;
}

function getUser(call: GraphCall): EntraResponse {
  const user = requireUser(call, userKey(call));
  const isSelf = call.caller.kind === 'user' && call.caller.userId === user.id;
  if (!isSelf && !hasAny(call, permissionsFor.readUsers)) throw forbidden();
  const select = parseSelect(
    call.request.query.get('$select'),
    userProperties,
    'microsoft.graph.user',
  );
  return jsonResponse(200, {
    '@odata.context': context(call.world.graphUrl, 'users/$entity'),
    ...project(userView(user, select !== undefined), select),
  });
}

function memberships(transitive: boolean, cast: Cast) {
  return (call: GraphCall): EntraResponse => {
    const user = call.world.directory.user(userKey(call));
    const objectId = user?.id ?? call.world.directory.group(call.params[0] ?? '')?.id;
    if (objectId === undefined) throw notFound(call.params[0] ?? '');
    const isSelf = call.caller.kind === 'user' && call.caller.userId === objectId;
    if (!isSelf && !hasAny(call, permissionsFor.readGroups)) throw forbidden();
    const dir = call.world.directory;
    const ids = transitive ? dir.transitiveMemberOf(objectId) : dir.memberOf(objectId);
    return list(call, objectsView(call, ids, cast ?? 'group'), objectQuery, castContext(cast));
  };
}

function members(transitive: boolean, cast: Cast) {
  return (call: GraphCall): EntraResponse => {
    const groupId = requireGroupId(call, call.params[0] ?? '');
    const dir = call.world.directory;
    const ids = transitive ? dir.transitiveMembers(groupId) : dir.members(groupId);
    return list(call, objectsView(call, ids, cast), objectQuery, castContext(cast));
  };
}

function requiredString(body: Record<string, unknown>, key: string, type: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value.trim() === '')
    throw badRequest(
      `Invalid value specified for property '${key}' of resource '${type}': it is required and must be a non-empty string.`,
      'Request_BadRequest',
    );
  return value;
}

function requiredBoolean(body: Record<string, unknown>, key: string, type: string): boolean {
  const value = body[key];
  if (typeof value !== 'boolean')
    throw badRequest(
      `Invalid value specified for property '${key}' of resource '${type}': it is required and must be true or false.`,
      'Request_BadRequest',
    );
  return value;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw badRequest(`Property '${key}' must be a string.`, 'Request_BadRequest');
  return value;
}

function createUser(call: GraphCall): EntraResponse {
  const body = jsonObjectBody(call);
  const type = 'User';
  const accountEnabled = requiredBoolean(body, 'accountEnabled', type);
  const displayName = requiredString(body, 'displayName', type);
  const mailNickname = requiredString(body, 'mailNickname', type);
  const upn = requiredString(body, 'userPrincipalName', type);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(upn))
    throw badRequest(
      `Invalid value specified for property 'userPrincipalName' of resource 'User': '${upn.slice(0, 100)}' is not of the form alias@domain.`,
      'Request_BadRequest',
    );
  const profile = body.passwordProfile;
  if (!isRecord(profile) || typeof profile.password !== 'string' || profile.password === '')
    throw badRequest(
      "Invalid value specified for property 'passwordProfile' of resource 'User': passwordProfile.password is required.",
      'Request_BadRequest',
    );
  if (call.world.directory.user(upn) !== undefined)
    throw badRequest(
      'Another object with the same value for property userPrincipalName already exists.',
      'Request_BadRequest',
    );
  const user = call.world.directory.createUser({
    userPrincipalName: upn,
    displayName,
    mailNickname,
    accountEnabled,
    mail: optionalString(body, 'mail'),
    givenName: optionalString(body, 'givenName'),
    surname: optionalString(body, 'surname'),
  });
  return jsonResponse(201, {
    '@odata.context': context(call.world.graphUrl, 'users/$entity'),
    ...userView(user, true),
  });
}

/** The object id at the end of an `@odata.id` / `@odata.bind` URL. */
function referencedId(call: GraphCall, value: unknown, property: string): string {
  if (typeof value !== 'string' || value === '')
    throw badRequest(
      `${property} must be a URL such as https://graph.microsoft.com/v1.0/directoryObjects/{id}.`,
      'Request_BadRequest',
    );
  const match = /\/(?:directoryObjects|users|groups)\/([^/?#]+)$/i.exec(value.trim());
  const id = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
  if (id === undefined)
    throw badRequest(
      `Invalid URL format specified in ${property}: '${value.slice(0, 200)}'. Use https://graph.microsoft.com/v1.0/directoryObjects/{id}.`,
      'Request_BadRequest',
    );
  const dir = call.world.directory;
  const found =
    dir.users.get(id.toLowerCase())?.id ?? dir.user(id)?.id ?? dir.groups.get(id.toLowerCase())?.id;
  if (found === undefined) throw notFound(id);
  return found;
}

function addMember(call: GraphCall, groupId: string, memberId: string): void {
  const dir = call.world.directory;
  if (memberId === groupId)
    throw badRequest('A group cannot be a member of itself.', 'Request_BadRequest');
  if (dir.transitiveMembers(memberId).includes(groupId))
    throw badRequest('Adding this group would create a membership cycle.', 'Request_BadRequest');
  if (dir.isMember(groupId, memberId))
    throw badRequest(
      "One or more added object references already exist for the following modified properties: 'members'.",
      'Request_BadRequest',
    );
  if (call.world.pim.isOnboarded(groupId))
    call.world.pim.assignPermanent(groupId, memberId, call.now);
  else dir.addMember(groupId, memberId);
}

function createGroup(call: GraphCall): EntraResponse {
  const body = jsonObjectBody(call);
  const type = 'Group';
  const displayName = requiredString(body, 'displayName', type);
  const mailEnabled = requiredBoolean(body, 'mailEnabled', type);
  const mailNickname = requiredString(body, 'mailNickname', type);
  const securityEnabled = requiredBoolean(body, 'securityEnabled', type);
  const groupTypes = body.groupTypes ?? [];
  if (!Array.isArray(groupTypes) || !groupTypes.every((t) => typeof t === 'string'))
    throw badRequest("Property 'groupTypes' must be a list of strings.", 'Request_BadRequest');
  const bind = body['members@odata.bind'] ?? [];
  if (!Array.isArray(bind))
    throw badRequest("'members@odata.bind' must be a list of URLs.", 'Request_BadRequest');
  const memberIds = bind.map((b) => referencedId(call, b, 'members@odata.bind'));
  const group = call.world.directory.createGroup({
    displayName,
    mailEnabled,
    mailNickname,
    securityEnabled,
    groupTypes: groupTypes,
    description: optionalString(body, 'description'),
  });
  for (const id of memberIds) call.world.directory.addMember(group.id, id);
  return jsonResponse(201, {
    '@odata.context': context(call.world.graphUrl, 'groups/$entity'),
    ...groupView(group),
  });
}

function getGroup(call: GraphCall): EntraResponse {
  const group = call.world.directory.group(call.params[0] ?? '');
  if (group === undefined) throw notFound(call.params[0] ?? '');
  const select = parseSelect(
    call.request.query.get('$select'),
    groupProperties,
    'microsoft.graph.group',
  );
  return jsonResponse(200, {
    '@odata.context': context(call.world.graphUrl, 'groups/$entity'),
    ...project(groupView(group), select),
  });
}

export function directoryRoutes(table: RouteTable<GraphRoute>, delta: GraphRoute['handler']): void {
  const add = (
    method: string,
    pattern: string,
    access: GraphRoute['access'],
    handler: GraphRoute['handler'],
  ): void => {
    table.add(method, pattern, { access, handler });
  };
  add('GET', '/users', 'readUsers', (call) =>
    list(
      call,
      [...call.world.directory.users.values()].map((u) =>
        userView(u, call.request.query.get('$select') !== null),
      ),
      userQuery,
      'users',
    ),
  );
  add('POST', '/users', 'writeUsers', createUser);
  add('GET', '/users/{id}', 'readMe', getUser);
  add('GET', '/users/{id}/memberOf', 'readMe', memberships(false, undefined));
  add('GET', '/users/{id}/transitiveMemberOf', 'readMe', memberships(true, undefined));
  add(
    'GET',
    '/users/{id}/transitiveMemberOf/microsoft.graph.group',
    'readMe',
    memberships(true, 'group'),
  );
  add('GET', '/me', 'readMe', getUser);
  add('GET', '/me/memberOf', 'readMe', memberships(false, undefined));
  add('GET', '/me/transitiveMemberOf', 'readMe', memberships(true, undefined));
  add('GET', '/me/transitiveMemberOf/microsoft.graph.group', 'readMe', memberships(true, 'group'));
  add('GET', '/groups', 'readGroups', (call) =>
    list(call, [...call.world.directory.groups.values()].map(groupView), groupQuery, 'groups'),
  );
  add('POST', '/groups', 'writeGroups', createGroup);
  add('GET', '/groups/delta', 'readGroups', delta);
  add('GET', '/groups/{id}', 'readGroups', getGroup);
  add('GET', '/groups/{id}/members', 'readGroups', members(false, undefined));
  add('GET', '/groups/{id}/members/microsoft.graph.user', 'readGroups', members(false, 'user'));
  add('GET', '/groups/{id}/members/microsoft.graph.group', 'readGroups', members(false, 'group'));
  add('POST', '/groups/{id}/members/$ref', 'writeMembers', (call) => {
    const groupId = requireGroupId(call, call.params[0] ?? '');
    const memberId = referencedId(call, jsonObjectBody(call)['@odata.id'], '@odata.id');
    addMember(call, groupId, memberId);
    return emptyResponse(204);
  });
  add('DELETE', '/groups/{id}/members/{memberId}/$ref', 'writeMembers', (call) => {
    const groupId = requireGroupId(call, call.params[0] ?? '');
    const memberId = (call.params[1] ?? '').toLowerCase();
    const dir = call.world.directory;
    if (!dir.isMember(groupId, memberId)) throw notFound(call.params[1] ?? '');
    if (call.world.pim.isOnboarded(groupId))
      call.world.pim.removeMemberAssignments(groupId, memberId);
    dir.removeMember(groupId, memberId);
    return emptyResponse(204);
  });
  add('GET', '/groups/{id}/transitiveMembers', 'readGroups', members(true, undefined));
  add('GET', '/groups/{id}/memberOf', 'readGroups', memberships(false, undefined));
  add('GET', '/groups/{id}/transitiveMemberOf', 'readGroups', memberships(true, undefined));
  add(
    'GET',
    '/groups/{id}/transitiveMembers/microsoft.graph.user',
    'readGroups',
    members(true, 'user'),
  );
  add(
    'GET',
    '/groups/{id}/transitiveMembers/microsoft.graph.group',
    'readGroups',
    members(true, 'group'),
  );
  add('GET', '/groups/{id}/transitiveMemberOf', 'readGroups', memberships(true, undefined));
  add('GET', '/directoryObjects/{id}', 'readGroups', (call) => {
    const view = directoryObjectView(call.world.directory, (call.params[0] ?? '').toLowerCase());
    if (view === undefined) throw notFound(call.params[0] ?? '');
    return jsonResponse(200, {
      '@odata.context': context(call.world.graphUrl, 'directoryObjects/$entity'),
      ...view,
    });
  });
}
