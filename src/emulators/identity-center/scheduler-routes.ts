// EventBridge Scheduler speaks restJson1, not AWS JSON 1.1: the operation is the HTTP method
// and URI, members travel in the path, the query string and a JSON body. This table is every
// Scheduler operation the emulator answers, with the model's `http` trait and member
// locations; the Scheduler conformance test enumerates it and checks each row against the
// model, so an operation added here without a case fails it.

import { randomUUID } from 'node:crypto';
import { AwsError, serializationError, validationError } from './aws-error.js';
import { isJsonObject, JsonInput, type JsonObject } from './json-input.js';
import {
  schedulerHandlers,
  type SchedulerHandler,
  type SchedulerOperation,
} from './scheduler-handlers.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface QueryBinding {
  /** The input member the query parameter carries (the model's member name). */
  readonly member: string;
  readonly type: 'string' | 'integer';
}

export interface SchedulerRoute {
  readonly operation: SchedulerOperation;
  readonly method: HttpMethod;
  /** The model's `requestUri`; `{Member}` is a path segment bound to that member. */
  readonly uri: string;
  /** Query parameter name (`locationName`) to member. */
  readonly query: Readonly<Record<string, QueryBinding>>;
  readonly handler: SchedulerHandler;
}

const text = (member: string): QueryBinding => ({ member, type: 'string' });
const integer = (member: string): QueryBinding => ({ member, type: 'integer' });

function route(
  operation: SchedulerOperation,
  method: HttpMethod,
  uri: string,
  query: Readonly<Record<string, QueryBinding>> = {},
): SchedulerRoute {
  return { operation, method, uri, query, handler: schedulerHandlers[operation] };
}

const listing = {
  MaxResults: integer('MaxResults'),
  NamePrefix: text('NamePrefix'),
  NextToken: text('NextToken'),
};

export const schedulerRoutes: readonly SchedulerRoute[] = [
  route('CreateScheduleGroup', 'POST', '/schedule-groups/{Name}'),
  route('GetScheduleGroup', 'GET', '/schedule-groups/{Name}'),
  route('DeleteScheduleGroup', 'DELETE', '/schedule-groups/{Name}', {
    clientToken: text('ClientToken'),
  }),
  route('ListScheduleGroups', 'GET', '/schedule-groups', listing),
  route('CreateSchedule', 'POST', '/schedules/{Name}'),
  route('GetSchedule', 'GET', '/schedules/{Name}', { groupName: text('GroupName') }),
  route('UpdateSchedule', 'PUT', '/schedules/{Name}'),
  route('DeleteSchedule', 'DELETE', '/schedules/{Name}', {
    clientToken: text('ClientToken'),
    groupName: text('GroupName'),
  }),
  route('ListSchedules', 'GET', '/schedules', {
    ...listing,
    ScheduleGroup: text('GroupName'),
    State: text('State'),
  }),
];

/** Whether a request path belongs to the Scheduler API rather than AWS JSON's `POST /`. */
export function isSchedulerPath(path: string): boolean {
  return ['/schedules', '/schedule-groups', '/tags'].some(
    (root) => path === root || path.startsWith(`${root}/`),
  );
}

export interface RouteMatch {
  readonly route: SchedulerRoute;
  /** Path members, decoded. */
  readonly params: Readonly<Record<string, string>>;
}

function matchUri(uri: string, path: string): Record<string, string> | undefined {
  const want = uri.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of want.entries()) {
    const actual = got[index] ?? '';
    const label = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (label === undefined) {
      if (segment !== actual) return undefined;
      continue;
    }
    if (actual === '') return undefined;
    try {
      params[label] = decodeURIComponent(actual);
    } catch {
      return undefined;
    }
  }
  return params;
}

/** The operation a method and path name, with its path members; undefined if none. */
export function matchSchedulerRoute(method: string, path: string): RouteMatch | undefined {
  for (const candidate of schedulerRoutes) {
    if (candidate.method !== method) continue;
    const params = matchUri(candidate.uri, path);
    if (params !== undefined) return { route: candidate, params };
  }
  return undefined;
}

function parseBody(body: string): JsonObject {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw serializationError('The request body is not valid JSON');
  }
  if (!isJsonObject(parsed)) throw serializationError('The request body must be a JSON object');
  return parsed;
}

/**
 * The operation's input as one object under the model's member names: body members (POST
 * and PUT only), then query parameters, then path members, which win (the SDK never sends
 * a member twice). Unknown query parameters are ignored, as AWS ignores them.
 */
export function schedulerInput(match: RouteMatch, query: URLSearchParams, body: string): JsonInput {
  const { route: matched } = match;
  const raw: JsonObject =
    matched.method === 'POST' || matched.method === 'PUT' ? { ...parseBody(body) } : {};
  for (const [name, binding] of Object.entries(matched.query)) {
    const value = query.get(name);
    if (value === null) continue;
    if (binding.type === 'integer') {
      if (!/^-?\d+$/.test(value)) throw validationError(`${binding.member} must be an integer`);
      raw[binding.member] = Number(value);
    } else {
      raw[binding.member] = value;
    }
  }
  for (const [member, value] of Object.entries(match.params)) raw[member] = value;
  return new JsonInput(raw);
}

export interface RestJsonResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function headers(): Record<string, string> {
  return { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() };
}

export function restJsonResponse(output: JsonObject): RestJsonResponse {
  return { status: 200, headers: headers(), body: JSON.stringify(output) };
}

/** restJson1 errors: the type in `x-amzn-errortype` (which the SDK reads first) and the
 *  model's `Message` member in the body. */
export function restJsonError(error: AwsError, status = error.status): RestJsonResponse {
  return {
    status,
    headers: { ...headers(), 'x-amzn-errortype': error.type },
    body: JSON.stringify({ Message: error.message, message: error.message, ...error.fields }),
  };
}

export function unknownSchedulerOperation(method: string, path: string): RestJsonResponse {
  return restJsonError(
    new AwsError('UnknownOperationException', `No Scheduler operation ${method} ${path}`),
    404,
  );
}
