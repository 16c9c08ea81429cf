// IdC's SCIM v2 endpoint (`/scim/v2/`) over the emulator's identity store: the same users,
// groups and memberships the identitystore API sees. Bearer token with an expiry; only the
// documented subset (CLOUD-APIS.md section B): eq/and filters, single-item multi-valued
// attributes, Group PATCH limited to displayName/members/externalId with at most 100
// member changes, empty `members` in Group reads.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  identityStoreObjectId,
  type EmulatorState,
  type GroupRecord,
  type UserRecord,
} from './emulator-state.js';
import type {
  EmulatorResponse,
  ExternalCallOutcome,
  IdentityCenterEmulator,
} from './identity-center-emulator.js';
import { parseScimFilter, ScimFilterError, type ScimEquality } from './scim-filter.js';

export interface ScimTokenOptions {
  readonly token: string;
  /** Milliseconds since the epoch, on the emulator clock. */
  readonly expiresAt: number;
}

export const defaultScimToken = 'emulator-scim-token';
/** The issuer under which a SCIM `externalId` is kept in the identity store's ExternalIds. */
export const scimExternalIdIssuer = 'SCIM';
export const maxMemberChanges = 100;

const oneYearMs = 365 * 24 * 3600 * 1000;
const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const errorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error';
const listSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const patchSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Json = Record<string, unknown>;

export class ScimError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly scimType?: string,
  ) {
    super(detail);
  }
}

const invalidValue = (detail: string): ScimError => new ScimError(400, detail, 'invalidValue');

/** Attributes IdC keeps that the identity store record has no field for. */
interface UserExtras {
  active: boolean;
  addresses: Json[];
  phoneNumbers: Json[];
  title?: string;
  nickName?: string;
  preferredLanguage?: string;
}
const userExtras = new WeakMap<UserRecord, UserExtras>();

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optString(source: Json, key: string): string | undefined {
  const value = source[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidValue(`${key} must be a string`);
  return value;
}

function singleItemList(source: Json, key: string): Json[] {
  const value = source[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every(isObject))
    throw invalidValue(`${key} must be a list of objects`);
  if (value.length > 1) throw invalidValue('Currently list attributes only allow single item');
  return value;
}

function externalIdOf(list: readonly { issuer: string; id: string }[]): string | undefined {
  return (list.find((e) => e.issuer === scimExternalIdIssuer) ?? list[0])?.id;
}

function withExternalId(
  list: readonly { issuer: string; id: string }[],
  externalId: string | undefined,
): { issuer: string; id: string }[] {
  const others = list.filter((e) => e.issuer !== scimExternalIdIssuer);
  return externalId === undefined
    ? others
    : [...others, { issuer: scimExternalIdIssuer, id: externalId }];
}

function userResource(user: UserRecord): Json {
  const extras = userExtras.get(user) ?? { active: true, addresses: [], phoneNumbers: [] };
  const name: Json = {};
  const n = user.name ?? {};
  const pairs: [string, string][] = [
    ['formatted', 'Formatted'],
    ['familyName', 'FamilyName'],
    ['givenName', 'GivenName'],
    ['middleName', 'MiddleName'],
    ['honorificPrefix', 'HonorificPrefix'],
    ['honorificSuffix', 'HonorificSuffix'],
  ];
  for (const [scim, aws] of pairs) if (n[aws] !== undefined) name[scim] = n[aws];
  const resource: Json = {
    schemas: [userSchema],
    id: user.id,
    externalId: externalIdOf(user.externalIds),
    userName: user.userName,
    name,
    displayName: user.displayName,
    nickName: extras.nickName,
    title: extras.title,
    preferredLanguage: extras.preferredLanguage,
    active: extras.active,
    emails: user.emails.map((e) => ({ ...e })),
    addresses: extras.addresses,
    phoneNumbers: extras.phoneNumbers,
    meta: { resourceType: 'User' },
  };
  return Object.fromEntries(Object.entries(resource).filter(([, v]) => v !== undefined));
}

function groupResource(group: GroupRecord): Json {
  const resource: Json = {
    schemas: [groupSchema],
    id: group.id,
    externalId: externalIdOf(group.externalIds),
    displayName: group.displayName,
    // IdC never lists members; membership is tested with a filter.
    members: [],
    meta: { resourceType: 'Group' },
  };
  if (resource.externalId === undefined) delete resource.externalId;
  return resource;
}

/** Validates a full SCIM User and writes it into `user` (new or existing). */
function writeUser(state: EmulatorState, body: Json, existing: UserRecord | undefined): UserRecord {
  const userName = optString(body, 'userName');
  const displayName = optString(body, 'displayName');
  const nameInput = body.name;
  if (nameInput !== undefined && !isObject(nameInput)) throw invalidValue('name must be an object');
  const name = nameInput ?? {};
  const givenName = optString(name, 'givenName');
  const familyName = optString(name, 'familyName');
  for (const [label, value] of [
    ['userName', userName],
    ['displayName', displayName],
    ['name.givenName', givenName],
    ['name.familyName', familyName],
  ] as const) {
    if (value === undefined || value.trim() === '') throw invalidValue(`${label} is required`);
  }
  const userNameValue = userName ?? '';
  if (userNameValue.length > 128) throw invalidValue('userName is longer than 128 characters');
  // CreateUser: "The groups field cannot be specified with the createUser request."
  if (existing === undefined && body.groups !== undefined)
    throw invalidValue('groups cannot be specified when creating a user; add members to groups');
  const emails = singleItemList(body, 'emails').map((e) => {
    const value = optString(e, 'value');
    if (value === undefined) throw invalidValue('emails.value is required');
    // CreateUser: "The emails attribute value must be marked as primary."
    if (e.primary !== true) throw invalidValue('the emails value must be marked as primary');
    const type = optString(e, 'type');
    const email: { value: string; type?: string; primary?: boolean } = { value };
    if (type !== undefined) email.type = type;
    if (typeof e.primary === 'boolean') email.primary = e.primary;
    return email;
  });
  const addresses = singleItemList(body, 'addresses');
  const phoneNumbers = singleItemList(body, 'phoneNumbers');
  const externalId = optString(body, 'externalId');
  const active = body.active === undefined ? true : body.active;
  if (typeof active !== 'boolean') throw invalidValue('active must be a boolean');
  const clash = [...state.users.values()].find(
    (u) => u !== existing && u.userName.toLowerCase() === userNameValue.toLowerCase(),
  );
  if (clash !== undefined) throw new ScimError(409, `User ${userNameValue} exists`, 'uniqueness');
  // Not in AWS's documents, but what outside clients saw of the service: one e-mail names
  // one user (see docs/identity-center-emulator.md).
  for (const email of emails) {
    const taken = [...state.users.values()].find(
      (u) =>
        u !== existing && u.emails.some((e) => e.value.toLowerCase() === email.value.toLowerCase()),
    );
    if (taken !== undefined)
      throw new ScimError(409, `A user with email ${email.value} exists`, 'uniqueness');
  }
  if (externalId !== undefined) {
    const ext = [...state.users.values()].find(
      (u) => u !== existing && externalIdOf(u.externalIds) === externalId,
    );
    if (ext !== undefined)
      throw new ScimError(409, `A user with externalId ${externalId} exists`, 'uniqueness');
  }
  const awsName: Record<string, string> = {};
  const pairs: [string, string][] = [
    ['formatted', 'Formatted'],
    ['familyName', 'FamilyName'],
    ['givenName', 'GivenName'],
    ['middleName', 'MiddleName'],
    ['honorificPrefix', 'HonorificPrefix'],
    ['honorificSuffix', 'HonorificSuffix'],
  ];
  for (const [scim, aws] of pairs) {
    const value = optString(name, scim);
    if (value !== undefined) awsName[aws] = value;
  }
  const user: UserRecord = existing ?? {
    id: identityStoreObjectId(),
    userName: userNameValue,
    displayName,
    name: awsName,
    emails,
    externalIds: [],
  };
  user.userName = userNameValue;
  user.displayName = displayName;
  user.name = awsName;
  user.emails = emails;
  user.externalIds = withExternalId(user.externalIds, externalId);
  const extras: UserExtras = { active, addresses, phoneNumbers };
  for (const key of ['title', 'nickName', 'preferredLanguage'] as const) {
    const value = optString(body, key);
    if (value !== undefined) extras[key] = value;
  }
  userExtras.set(user, extras);
  state.users.set(user.id, user);
  return user;
}

interface PatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string | undefined;
  readonly value: unknown;
}

function patchOperations(body: Json): PatchOperation[] {
  const schemas = body.schemas;
  if (Array.isArray(schemas) && !schemas.includes(patchSchema))
    throw invalidValue(`schemas must include ${patchSchema}`);
  const ops = body.Operations ?? body.operations;
  if (!Array.isArray(ops) || ops.length === 0) throw invalidValue('Operations is required');
  return ops.map((raw) => {
    if (!isObject(raw)) throw invalidValue('Each operation must be an object');
    const op = typeof raw.op === 'string' ? raw.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      throw invalidValue(`Unsupported op ${String(raw.op)}`);
    const path = raw.path;
    if (path !== undefined && typeof path !== 'string') throw invalidValue('path must be a string');
    return { op, path: path?.trim(), value: raw.value };
  });
}

const valuePathPattern = /^(\w+)\[\s*type\s+eq\s+"([^"]*)"\s*\]\.(\w+)$/i;

/** Applies one PATCH operation to a SCIM User representation (in place). */
function patchUserResource(resource: Json, operation: PatchOperation): void {
  const { op, path, value } = operation;
  if (path === undefined || path === '') {
    if (op === 'remove') throw new ScimError(400, 'remove needs a path', 'noTarget');
    if (!isObject(value)) throw invalidValue('value must be an object when path is absent');
    for (const [key, v] of Object.entries(value)) {
      patchUserResource(resource, { op, path: key, value: v });
    }
    return;
  }
  const valuePath = valuePathPattern.exec(path);
  if (valuePath !== null) {
    const [, attribute = '', type = '', sub = ''] = valuePath;
    const current = resource[attribute];
    const list = Array.isArray(current) ? (current as Json[]) : [];
    let item = list.find((i) => i.type === type);
    if (op === 'remove') {
      resource[attribute] = list.filter((i) => i !== item);
      return;
    }
    if (item === undefined) {
      item = { type };
      list.push(item);
    }
    item[sub] = value;
    resource[attribute] = list;
    return;
  }
  const [head = '', sub] = path.split('.', 2);
  const key = Object.keys(resource).find((k) => k.toLowerCase() === head.toLowerCase()) ?? head;
  if (['id', 'meta', 'schemas'].includes(key))
    throw new ScimError(400, `${key} is immutable`, 'mutability');
  if (sub !== undefined) {
    const current = resource[key];
    const parent: Json = isObject(current) ? current : {};
    resource[key] = { ...parent, [sub]: op === 'remove' ? undefined : value };
    return;
  }
  resource[key] = op === 'remove' ? undefined : value;
}

interface GroupChanges {
  displayName?: string;
  externalId?: string | null;
  add: string[];
  remove: string[];
}

function memberIds(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalidValue('members value must be a list');
  return value.map((m) => {
    if (!isObject(m) || typeof m.value !== 'string')
      throw invalidValue('Each member needs a string value');
    return m.value;
  });
}

function groupChanges(ops: PatchOperation[]): GroupChanges {
  const changes: GroupChanges = { add: [], remove: [] };
  const scalar = (op: PatchOperation, key: string, value: unknown): void => {
    const lower = key.toLowerCase();
    if (lower === 'displayname') {
      if (op.op === 'remove' || typeof value !== 'string' || value.trim() === '')
        throw invalidValue('displayName must be a non-empty string');
      changes.displayName = value;
    } else if (lower === 'externalid') {
      if (op.op === 'remove') changes.externalId = null;
      else if (typeof value !== 'string') throw invalidValue('externalId must be a string');
      else changes.externalId = value;
    } else if (lower === 'members') {
      if (op.op === 'replace')
        throw invalidValue('Replacing all members of a group is not supported');
      if (op.op === 'remove' && (value === undefined || value === null))
        throw invalidValue('Removing all members of a group is not supported');
      (op.op === 'add' ? changes.add : changes.remove).push(...memberIds(value));
    } else {
      throw new ScimError(400, `Group attribute ${key} cannot be patched`, 'invalidPath');
    }
  };
  for (const op of ops) {
    if (op.path === undefined || op.path === '') {
      if (!isObject(op.value)) throw invalidValue('value must be an object when path is absent');
      for (const [key, value] of Object.entries(op.value)) scalar(op, key, value);
      continue;
    }
    const memberPath = /^members\[\s*value\s+eq\s+"([^"]+)"\s*\]$/i.exec(op.path);
    if (memberPath !== null) {
      if (op.op !== 'remove')
        throw new ScimError(400, 'Only remove is supported on a member filter', 'invalidPath');
      changes.remove.push(memberPath[1] ?? '');
      continue;
    }
    scalar(op, op.path, op.value);
  }
  if (changes.add.length + changes.remove.length > maxMemberChanges)
    throw invalidValue(`At most ${maxMemberChanges} membership changes are allowed per request`);
  return changes;
}

function addMembership(state: EmulatorState, groupId: string, userId: string): void {
  if (!state.users.has(userId)) throw invalidValue(`User ${userId} does not exist`);
  for (const m of state.memberships.values())
    if (m.groupId === groupId && m.userId === userId) return;
  const id = identityStoreObjectId();
  state.memberships.set(id, { id, groupId, userId });
}

function removeMembership(state: EmulatorState, groupId: string, userId: string): void {
  for (const [id, m] of state.memberships)
    if (m.groupId === groupId && m.userId === userId) state.memberships.delete(id);
}

/**
 * A list page. The current developer guide (ListUsers, ListGroups): `count` 1..100, default
 * 100; with a `cursor` parameter the answer is cursor-paginated (`itemsPerPage` and, while
 * more follow, `nextCursor`, no `totalResults` or `startIndex`); without one, the older
 * index form. The cursor is opaque: here the offset of the next page, base64url.
 */
function unsupported(what: string): ScimError {
  return new ScimError(
    400,
    `${what} is not supported by the IAM Identity Center SCIM implementation`,
  );
}

function listResponse(resources: Json[], query: URLSearchParams): Json {
  const startRaw = query.get('startIndex');
  const countRaw = query.get('count');
  const cursor = query.get('cursor');
  const start = startRaw === null ? 1 : Number(startRaw);
  const count = countRaw === null ? 100 : Number(countRaw);
  if (!Number.isInteger(start) || !Number.isInteger(count))
    throw invalidValue('startIndex and count must be integers');
  if (count < 1 || count > 100) throw invalidValue('count must be between 1 and 100');
  if (cursor !== null) {
    if (!/^[-a-zA-Z0-9+=/:_]*$/.test(cursor)) throw invalidValue('cursor is not valid');
    const offset = cursor === '' ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw invalidValue('cursor is not valid');
    const page = resources.slice(offset, offset + count);
    const next = offset + page.length;
    return {
      schemas: [listSchema],
      itemsPerPage: page.length,
      Resources: page,
      ...(next < resources.length
        ? { nextCursor: Buffer.from(String(next)).toString('base64url') }
        : {}),
    };
  }
  const from = Math.max(start, 1);
  const page = resources.slice(from - 1, from - 1 + Math.max(count, 0));
  return {
    schemas: [listSchema],
    totalResults: resources.length,
    itemsPerPage: page.length,
    startIndex: from,
    Resources: page,
  };
}

function filterOf(query: URLSearchParams, allowed: readonly string[]): ScimEquality[] {
  const filter = query.get('filter');
  if (filter === null) return [];
  let clauses: ScimEquality[];
  try {
    clauses = parseScimFilter(filter);
  } catch (error) {
    if (error instanceof ScimFilterError) throw new ScimError(400, error.message, 'invalidFilter');
    throw error;
  }
  for (const c of clauses) {
    if (!allowed.includes(c.attribute))
      throw new ScimError(400, `Filtering on ${c.attribute} is not supported`, 'invalidFilter');
  }
  const names = clauses.map((c) => c.attribute);
  const idOrMembers = names.includes('id') || names.includes('members');
  if (idOrMembers && !(names.length === 2 && names.includes('id') && names.includes('members')))
    throw new ScimError(400, 'id and members must be filtered together', 'invalidFilter');
  return clauses;
}

const serviceProviderConfig: Json = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
  documentationUri: 'https://docs.aws.amazon.com/singlesignon/latest/developerguide/scim.html',
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 1, maxPayloadSize: 1048576 },
  filter: { supported: true, maxResults: 50 },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [
    {
      type: 'oauthbearertoken',
      name: 'OAuth Bearer Token',
      description: 'Authentication scheme using the OAuth Bearer Token Standard',
      primary: true,
    },
  ],
  meta: { resourceType: 'ServiceProviderConfig' },
};

const schemaList: Json[] = [
  { id: userSchema, name: 'User', description: 'User Account', attributes: [] },
  { id: groupSchema, name: 'Group', description: 'Group', attributes: [] },
];

const resourceTypeList: Json[] = [
  { id: 'User', name: 'User', endpoint: '/Users', schema: userSchema },
  { id: 'Group', name: 'Group', endpoint: '/Groups', schema: groupSchema },
].map((r) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
  ...r,
  meta: { resourceType: 'ResourceType' },
}));

/** A path segment as sent; one that is not valid percent-encoding stays as it came. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function response(status: number, body: Json | undefined): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/scim+json', 'x-amzn-requestid': randomUUID() },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

export function scimErrorResponse(error: ScimError): EmulatorResponse {
  const body: Json = {
    schemas: [errorSchema],
    status: String(error.status),
    detail: error.message,
  };
  if (error.scimType !== undefined) body.scimType = error.scimType;
  return response(error.status, body);
}

/** The resources a SCIM operation name may carry; anything else is named `Unknown`. */
const knownResources = new Set([
  'Users',
  'Groups',
  'ServiceProviderConfig',
  'Schemas',
  'ResourceTypes',
  'Me',
  'Bulk',
  '.search',
]);

/** What one call is named and how it ended, filled in while it is answered. */
interface ScimCall {
  operation: string | undefined;
  outcome: ExternalCallOutcome;
}

/**
 * The SCIM endpoint of one emulator; reads `emulator.state` per request (survives resetAll).
 * Every call is counted in the emulator's own `calls()` as `SCIM.<Method>.<Resource>` (e.g.
 * `SCIM.GET.Users`, `SCIM.PATCH.Groups`), and throttled by the emulator's per-API SCIM
 * buckets, not by the sso-admin/identitystore limit (see `takeScimToken`).
 */
export class ScimEndpoint {
  readonly token: ScimTokenOptions;

  constructor(
    private readonly emulator: IdentityCenterEmulator,
    token?: ScimTokenOptions,
  ) {
    this.token = token ?? { token: defaultScimToken, expiresAt: emulator.clock() + oneYearMs };
  }

  /** Calls per `SCIM.<Method>.<Resource>`: the SCIM part of the emulator's `calls()`. */
  calls(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.emulator.calls().operations)
        .filter(([operation]) => operation.startsWith('SCIM.'))
        .map(([operation, counts]) => [operation, counts.calls]),
    );
  }

  /**
   * `url` is the request target (path and query) starting with /scim/v2. After
   * authentication, a call above its API's rate answers 429 with Retry-After; then faults set
   * on the emulator under `SCIM.<Method>.<Resource>` (or `SCIM.*`) apply:
   * ThrottlingException answers 429 with Retry-After, AccessDeniedException 403,
   * ConflictException 409, the others 500.
   */
  async handle(
    method: string,
    url: string,
    authorization: string | undefined,
    body: string,
  ): Promise<EmulatorResponse> {
    const call: ScimCall = { operation: undefined, outcome: 'ok' };
    try {
      const result = await this.dispatch(call, method, url, authorization, body);
      if (result.status >= 400 && call.outcome === 'ok') call.outcome = 'error';
      return result;
    } catch (error) {
      if (call.outcome === 'ok') call.outcome = 'error';
      if (!(error instanceof ScimError)) throw error;
      const result = scimErrorResponse(error);
      return error.status === 429
        ? { ...result, headers: { ...result.headers, 'retry-after': '1' } }
        : result;
    } finally {
      if (call.operation !== undefined)
        this.emulator.recordExternalCall(call.operation, call.outcome);
    }
  }

  private async injectFault(call: ScimCall, operation: string): Promise<void> {
    const faults = this.emulator.faults;
    const listed = faults.list();
    const key = listed[operation] !== undefined ? operation : 'SCIM.*';
    const spec = listed[key];
    if (spec === undefined) return;
    if (spec.latencyMs !== undefined && spec.latencyMs > 0) await sleep(spec.latencyMs);
    const injected = faults.error(key);
    if (injected === undefined) return;
    call.outcome = 'faulted';
    const status =
      injected.type === 'ThrottlingException'
        ? 429
        : injected.type === 'AccessDeniedException'
          ? 403
          : injected.type === 'ConflictException'
            ? 409
            : 500;
    throw new ScimError(status, injected.message);
  }

  private async dispatch(
    call: ScimCall,
    method: string,
    url: string,
    authorization: string | undefined,
    body: string,
  ): Promise<EmulatorResponse> {
    const parsed = new URL(url, 'http://scim.invalid');
    const segments = parsed.pathname
      .replace(/^\/scim\/v2\/?/, '')
      .split('/')
      .filter((s) => s !== '')
      .map(safeDecode);
    const resource = segments[0] ?? '';
    const named = knownResources.has(resource) ? resource : 'Unknown';
    call.operation = `SCIM.${method}.${named}`;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
    if (match === null || match[1] !== this.token.token)
      throw new ScimError(401, 'The bearer token is missing or invalid');
    if (this.emulator.clock() >= this.token.expiresAt)
      throw new ScimError(401, 'The bearer token has expired');
    const api = `${method} ${named}${segments.length > 1 ? '/{id}' : ''}`;
    if (!this.emulator.takeScimToken(api, method === 'GET' ? 'read' : 'write')) {
      call.outcome = 'throttled';
      throw new ScimError(429, 'Too many requests were made that exceed the limits');
    }
    await this.injectFault(call, call.operation);
    // The developer guide's error table: ValidationException (400) "also occurs if the
    // operation is unsupported"; its limitations page names /Me, /Bulk and /Search.
    if (['Me', 'Bulk', '.search'].includes(resource) || segments.includes('.search'))
      throw unsupported(resource === '' ? 'this endpoint' : resource);
    // As every AWS JSON request does: a schedule that removed a membership shows here too.
    this.emulator.settle();
    const state = this.emulator.state;
    const id = segments[1];
    if (segments.length > 2) throw new ScimError(404, `No resource ${parsed.pathname}`);
    const json = (): Json => {
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        throw new ScimError(400, 'The request body is not valid JSON', 'invalidSyntax');
      }
      if (!isObject(value)) throw new ScimError(400, 'The body must be an object', 'invalidSyntax');
      return value;
    };
    const query = parsed.searchParams;
    switch (resource) {
      case 'ServiceProviderConfig':
        if (method !== 'GET' || id !== undefined) break;
        return response(200, serviceProviderConfig);
      case 'Schemas':
        if (method !== 'GET') break;
        return this.staticList(schemaList, id, query);
      case 'ResourceTypes':
        if (method !== 'GET') break;
        return this.staticList(resourceTypeList, id, query);
      case 'Users':
        return this.users(state, method, id, query, json);
      case 'Groups':
        return this.groups(state, method, id, query, json);
      default:
        throw new ScimError(404, `No resource ${parsed.pathname}`);
    }
    throw unsupported(`${method} ${parsed.pathname}`);
  }

  private staticList(
    list: Json[],
    id: string | undefined,
    query: URLSearchParams,
  ): EmulatorResponse {
    if (id === undefined) return response(200, listResponse(list, query));
    const item = list.find((i) => i.id === id);
    if (item === undefined) throw new ScimError(404, `${id} not found`);
    return response(200, item);
  }

  private users(
    state: EmulatorState,
    method: string,
    id: string | undefined,
    query: URLSearchParams,
    json: () => Json,
  ): EmulatorResponse {
    if (id === undefined) {
      if (method === 'GET') {
        // ListUsers' supported filters include (groups.value): the members of a group.
        const clauses = filterOf(query, ['username', 'externalid', 'groups.value']);
        const users = [...state.users.values()].filter((u) =>
          clauses.every((c) => {
            switch (c.attribute) {
              case 'username':
                return u.userName.toLowerCase() === c.value.toLowerCase();
              case 'externalid':
                return u.externalIds.some((e) => e.id === c.value);
              default:
                return [...state.memberships.values()].some(
                  (m) => m.groupId === c.value && m.userId === u.id,
                );
            }
          }),
        );
        return response(200, listResponse(users.map(userResource), query));
      }
      if (method === 'POST')
        return response(201, userResource(writeUser(state, json(), undefined)));
      throw unsupported(`${method} /Users`);
    }
    const user = state.users.get(id);
    if (user === undefined) throw new ScimError(404, `User ${id} not found`);
    switch (method) {
      case 'GET':
        return response(200, userResource(user));
      case 'PUT':
        return response(200, userResource(writeUser(state, json(), user)));
      case 'PATCH': {
        const ops = patchOperations(json());
        const draft = userResource(user);
        for (const op of ops) patchUserResource(draft, op);
        return response(200, userResource(writeUser(state, draft, user)));
      }
      case 'DELETE':
        state.users.delete(user.id);
        for (const [mid, m] of state.memberships)
          if (m.userId === user.id) state.memberships.delete(mid);
        return response(204, undefined);
      default:
        throw unsupported(`${method} /Users/{id}`);
    }
  }

  private groups(
    state: EmulatorState,
    method: string,
    id: string | undefined,
    query: URLSearchParams,
    json: () => Json,
  ): EmulatorResponse {
    if (id === undefined) {
      if (method === 'GET') {
        const clauses = filterOf(query, ['displayname', 'externalid', 'id', 'members']);
        const groups = [...state.groups.values()].filter((g) =>
          clauses.every((c) => {
            switch (c.attribute) {
              case 'displayname':
                return g.displayName === c.value;
              case 'externalid':
                return g.externalIds.some((e) => e.id === c.value);
              case 'id':
                return g.id === c.value;
              default:
                return [...state.memberships.values()].some(
                  (m) => m.groupId === g.id && m.userId === c.value,
                );
            }
          }),
        );
        return response(200, listResponse(groups.map(groupResource), query));
      }
      if (method === 'POST') return response(201, groupResource(this.createGroup(state, json())));
      throw unsupported(`${method} /Groups`);
    }
    // The supported operations have no PutGroup (PatchGroup only): unsupported, whatever the id.
    if (method === 'PUT') throw unsupported('PUT /Groups/{id}');
    const group = state.groups.get(id);
    if (group === undefined) throw new ScimError(404, `Group ${id} not found`);
    switch (method) {
      case 'GET':
        return response(200, groupResource(group));
      case 'PATCH': {
        const changes = groupChanges(patchOperations(json()));
        if (changes.displayName !== undefined) {
          const name = changes.displayName;
          if ([...state.groups.values()].some((g) => g !== group && g.displayName === name))
            throw new ScimError(409, `Group ${name} exists`, 'uniqueness');
        }
        for (const userId of changes.add)
          if (!state.users.has(userId)) throw invalidValue(`User ${userId} does not exist`);
        if (changes.displayName !== undefined) group.displayName = changes.displayName;
        if (changes.externalId !== undefined)
          group.externalIds = withExternalId(group.externalIds, changes.externalId ?? undefined);
        for (const userId of changes.add) addMembership(state, group.id, userId);
        for (const userId of changes.remove) removeMembership(state, group.id, userId);
        return response(204, undefined);
      }
      case 'DELETE':
        state.groups.delete(group.id);
        for (const [mid, m] of state.memberships)
          if (m.groupId === group.id) state.memberships.delete(mid);
        return response(204, undefined);
      default:
        throw unsupported(`${method} /Groups/{id}`);
    }
  }

  private createGroup(state: EmulatorState, body: Json): GroupRecord {
    const displayName = optString(body, 'displayName');
    if (displayName === undefined || displayName.trim() === '')
      throw invalidValue('displayName is required');
    const externalId = optString(body, 'externalId');
    const members = body.members === undefined ? [] : memberIds(body.members);
    if (members.length > maxMemberChanges)
      throw invalidValue(`A group can be created with at most ${maxMemberChanges} members`);
    if ([...state.groups.values()].some((g) => g.displayName === displayName))
      throw new ScimError(409, `Group ${displayName} exists`, 'uniqueness');
    // As for users: an externalId names one group (CreateGroup: ConflictException, "Group
    // already exists").
    if (
      externalId !== undefined &&
      [...state.groups.values()].some((g) => g.externalIds.some((e) => e.id === externalId))
    )
      throw new ScimError(409, `A group with externalId ${externalId} exists`, 'uniqueness');
    for (const userId of members)
      if (!state.users.has(userId)) throw invalidValue(`User ${userId} does not exist`);
    const group: GroupRecord = {
      id: identityStoreObjectId(),
      displayName,
      description: undefined,
      externalIds: withExternalId([], externalId),
    };
    state.groups.set(group.id, group);
    for (const userId of members) addMembership(state, group.id, userId);
    return group;
  }
}
