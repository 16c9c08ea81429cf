// What a Graph handler gets: the request, the route's path parameters, the authenticated
// caller (an application or a signed-in user, with their permissions), the time, and the
// emulator's state. Also the JSON shapes of users, groups and directory objects.

import type { Group, User } from '@microsoft/microsoft-graph-types';
import type { EntraDirectory, GroupRecord, UserRecord } from './entra-directory.js';
import { badRequest } from './graph-error.js';
import type { GraphAccess } from './graph-permissions.js';
import { isRecord, parseJsonBody, type EntraRequest, type EntraResponse } from './http-kit.js';
import type { PimState } from './pim-state.js';

export type GraphCaller =
  | {
      readonly kind: 'app';
      readonly appId: string;
      /** The app's service principal object id. */
      readonly objectId: string;
      readonly permissions: readonly string[];
    }
  | {
      readonly kind: 'user';
      readonly appId: string;
      readonly userId: string;
      readonly upn: string;
      readonly permissions: readonly string[];
      /** Authentication methods of the sign-in (`pwd`, `mfa`). */
      readonly amr: readonly string[];
    };

export interface GraphWorld {
  readonly directory: EntraDirectory;
  readonly pim: PimState;
  /** `${url}/v1.0` */
  readonly graphUrl: string;
}

export interface GraphCall {
  readonly request: EntraRequest;
  readonly params: readonly string[];
  readonly caller: GraphCaller;
  readonly now: number;
  readonly world: GraphWorld;
  /** The route's path relative to /v1.0, as requested (for nextLinks). */
  readonly path: string;
}

export type GraphHandler = (call: GraphCall) => EntraResponse | Promise<EntraResponse>;

export interface GraphRoute {
  readonly access: GraphAccess;
  readonly handler: GraphHandler;
}

/** The JSON object body of a POST/PATCH, or Graph's 400 for anything else. */
export function jsonObjectBody(call: GraphCall): Record<string, unknown> {
  const parsed = parseJsonBody(call.request.body);
  if (parsed === undefined)
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  if (!isRecord(parsed)) throw badRequest('The request body must be a JSON object.');
  return parsed;
}

export function context(graphUrl: string, fragment: string): string {
  return `${graphUrl}/$metadata#${fragment}`;
}

export const userProperties = [
  'id',
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'accountEnabled',
  'mailNickname',
  'createdDateTime',
];

/** Properties returned without `$select` (Graph's default set for users). */
const defaultUserProperties = userProperties.slice(0, 11);

export function userView(user: UserRecord, withAll = false): Record<string, unknown> {
  const all = {
    id: user.id,
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName ?? null,
    jobTitle: null,
    mail: user.mail ?? null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname ?? null,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    mailNickname: user.mailNickname,
    createdDateTime: user.createdDateTime,
  } satisfies User;
  if (withAll) return all;
  const record: Record<string, unknown> = all;
  return Object.fromEntries(defaultUserProperties.map((k) => [k, record[k]]));
}

export const groupProperties = [
  'id',
  'deletedDateTime',
  'classification',
  'createdDateTime',
  'description',
  'displayName',
  'groupTypes',
  'isAssignableToRole',
  'mail',
  'mailEnabled',
  'mailNickname',
  'membershipRule',
  'securityEnabled',
  'securityIdentifier',
  'visibility',
];

export function groupView(group: GroupRecord): Record<string, unknown> {
  return {
    id: group.id,
    deletedDateTime: null,
    classification: null,
    createdDateTime: group.createdDateTime,
    description: group.description ?? null,
    displayName: group.displayName,
    groupTypes: [...group.groupTypes],
    isAssignableToRole: null,
    mail: null,
    mailEnabled: group.mailEnabled,
    mailNickname: group.mailNickname,
    membershipRule: null,
    securityEnabled: group.securityEnabled,
    securityIdentifier: `S-1-12-1-${group.id.replaceAll('-', '').slice(0, 8)}`,
    visibility: null,
  } satisfies Group;
}

/** A user or group as a directory object, with its `@odata.type`. */
export function directoryObjectView(
  directory: EntraDirectory,
  id: string,
): Record<string, unknown> | undefined {
  const user = directory.users.get(id);
  if (user !== undefined) return { '@odata.type': '#microsoft.graph.user', ...userView(user) };
  const group = directory.groups.get(id);
  if (group !== undefined) return { '@odata.type': '#microsoft.graph.group', ...groupView(group) };
  return undefined;
}
