// The emulator's own endpoints under /_emulator/ (no AWS auth; the emulator listens on
// loopback): call counts, fault injection, reset, accounts, and role sessions.
//   GET  /_emulator/info                   instance ARN, identity store id, organization
//   GET  /_emulator/calls                  per-operation counts, peaks
//   POST /_emulator/reset                  {"state": true} also resets the world to the seed
//   GET  /_emulator/faults                 current faults
//   POST /_emulator/faults                 {"operation": "Op" | "*", "fault": FaultSpec | null}
//   POST /_emulator/sessions               {"userId","accountId","permissionSet","at"?} -> 201 | 403
//   GET  /_emulator/sessions/{id}
//   POST /_emulator/sessions/{id}/evaluate {"at"?, "action"?, "resource"?} -> decision
//   GET  /_emulator/scheduler/invocations  what EventBridge Scheduler schedules fired, oldest first
//   POST /_emulator/clock                  {"advanceMs": n} moves the clock forward, settles

import { lowerAlnum, type SessionRecord } from './emulator-state.js';
import { isFaultSpec } from './fault-injector.js';
import type { IdentityCenterEmulator } from './identity-center-emulator.js';
import { isJsonObject } from './json-input.js';
import type { InvocationRecord } from './scheduler-state.js';

export interface AdminResponse {
  readonly status: number;
  readonly body: unknown;
}

function problem(status: number, type: string, message: string): AdminResponse {
  return { status, body: { __type: type, message } };
}

/** `at` as epoch milliseconds or an ISO 8601 string; undefined when absent. */
function readTime(value: unknown): number | undefined | 'invalid' {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? 'invalid' : ms;
  }
  return 'invalid';
}

export function sessionView(session: SessionRecord): Record<string, string> {
  return {
    sessionId: session.sessionId,
    userId: session.userId,
    accountId: session.accountId,
    permissionSetArn: session.permissionSetArn,
    permissionSetName: session.permissionSetName,
    roleArn: session.roleArn,
    issuedAt: new Date(session.issuedAt).toISOString(),
    expiresAt: new Date(session.expiresAt).toISOString(),
  };
}

export function invocationView(record: InvocationRecord): Record<string, unknown> {
  return {
    ...record,
    scheduledAt: new Date(record.scheduledAt).toISOString(),
    invokedAt: new Date(record.invokedAt).toISOString(),
  };
}

export function handleAdmin(
  emulator: IdentityCenterEmulator,
  method: string,
  path: string,
  body: unknown,
): AdminResponse {
  const input = isJsonObject(body) ? body : {};
  const state = emulator.state;
  if (method === 'GET' && path === '/_emulator/info') {
    const org = state.organization;
    return {
      status: 200,
      body: {
        instanceArn: state.instanceArn,
        identityStoreId: state.identityStoreId,
        organizationId: org.id,
        rootId: org.rootId,
        managementAccountId: org.managementAccountId,
        accounts: [...org.accounts.values()].map((a) => ({
          id: a.id,
          name: a.name,
          parentId: a.parentId,
        })),
        organizationalUnits: [...org.organizationalUnits.values()],
      },
    };
  }
  if (method === 'GET' && path === '/_emulator/scheduler/invocations') {
    // Reading the log is an observation: bring it up to the clock first, as a request would.
    emulator.settle();
    return {
      status: 200,
      body: { invocations: emulator.state.scheduler.invocations.map(invocationView) },
    };
  }
  if (method === 'POST' && path === '/_emulator/clock') {
    const ms = input.advanceMs;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      return problem(400, 'ValidationException', 'send {"advanceMs": <milliseconds, 0 or more>}');
    }
    return { status: 200, body: { now: new Date(emulator.advanceClock(ms)).toISOString() } };
  }
  if (method === 'GET' && path === '/_emulator/calls')
    return { status: 200, body: emulator.calls() };
  if (method === 'POST' && path === '/_emulator/reset') {
    if (input.state === true) emulator.resetAll();
    else emulator.resetCalls();
    return { status: 200, body: { reset: input.state === true ? 'all' : 'calls' } };
  }
  if (method === 'GET' && path === '/_emulator/faults')
    return { status: 200, body: emulator.faults.list() };
  if (method === 'POST' && path === '/_emulator/faults') {
    const operation = input.operation;
    const fault = input.fault;
    if (typeof operation !== 'string' || (fault !== null && !isFaultSpec(fault))) {
      return problem(
        400,
        'ValidationException',
        'Expected {"operation": string, "fault": FaultSpec | null}',
      );
    }
    try {
      emulator.faults.set(operation, fault);
    } catch (error) {
      return problem(
        400,
        'ValidationException',
        error instanceof Error ? error.message : String(error),
      );
    }
    return { status: 200, body: emulator.faults.list() };
  }
  // The organisation changes an administrator makes in the console (CreateAccount and
  // MoveAccount are not emulated): an OU, or an account joining under a parent.
  if (method === 'POST' && path === '/_emulator/organizational-units') {
    const org = state.organization;
    const { name, parentId } = input;
    const parent = typeof parentId === 'string' ? parentId : org.rootId;
    if (typeof name !== 'string' || name === '')
      return problem(400, 'ValidationException', 'Expected {"name": string, "parentId"?: string}');
    if (parent !== org.rootId && !org.organizationalUnits.has(parent))
      return problem(404, 'ParentNotFoundException', `No parent ${parent}`);
    const id = `ou-${org.rootId.slice(2)}-${lowerAlnum(8)}`;
    org.organizationalUnits.set(id, { id, name, parentId: parent });
    org.attachments.set(id, ['p-FullAWSAccess']);
    return { status: 200, body: { id, name, parentId: parent } };
  }
  if (method === 'POST' && path === '/_emulator/accounts') {
    const org = state.organization;
    const { id, name, parentId } = input;
    const parent = typeof parentId === 'string' ? parentId : org.rootId;
    if (typeof id !== 'string' || !/^\d{12}$/.test(id) || typeof name !== 'string' || name === '')
      return problem(
        400,
        'ValidationException',
        'Expected {"id": 12 digits, "name": string, "parentId"?: string}',
      );
    if (org.accounts.has(id))
      return problem(409, 'DuplicateAccountException', `Account ${id} exists`);
    if (parent !== org.rootId && !org.organizationalUnits.has(parent))
      return problem(404, 'ParentNotFoundException', `No parent ${parent}`);
    org.accounts.set(id, {
      id,
      name,
      email: `${name.replace(/[^\w.-]/g, '-')}@example.com`,
      parentId: parent,
      joinedAt: emulator.clock(),
    });
    org.attachments.set(id, ['p-FullAWSAccess']);
    return { status: 200, body: { id, name, parentId: parent } };
  }
  if (method === 'POST' && path === '/_emulator/sessions') {
    const { userId, accountId } = input;
    const permissionSet = input.permissionSet ?? input.permissionSetName ?? input.permissionSetArn;
    const at = readTime(input.at);
    if (
      typeof userId !== 'string' ||
      typeof accountId !== 'string' ||
      typeof permissionSet !== 'string' ||
      at === 'invalid'
    ) {
      return problem(
        400,
        'ValidationException',
        'Expected {"userId", "accountId", "permissionSet", "at"?}',
      );
    }
    const result = emulator.issueSession({ userId, accountId, permissionSet }, at);
    if (!result.ok) return problem(403, 'AccessDeniedException', result.reason);
    return { status: 201, body: sessionView(result.session) };
  }
  const match = /^\/_emulator\/sessions\/([\w-]+)(\/evaluate)?$/.exec(path);
  if (match?.[1] !== undefined) {
    const id = match[1];
    const session = emulator.session(id);
    if (session === undefined)
      return problem(404, 'ResourceNotFoundException', `Session ${id} does not exist`);
    if (method === 'GET' && match[2] === undefined)
      return { status: 200, body: sessionView(session) };
    if (method === 'POST' && match[2] !== undefined) {
      const at = readTime(input.at);
      const { action, resource } = input;
      if (
        at === 'invalid' ||
        (action !== undefined && typeof action !== 'string') ||
        (resource !== undefined && typeof resource !== 'string')
      ) {
        return problem(400, 'ValidationException', 'Expected {"at"?, "action"?, "resource"?}');
      }
      const decision = emulator.evaluateSession(id, at, {
        ...(action === undefined ? {} : { action }),
        ...(resource === undefined ? {} : { resource }),
      });
      return { status: 200, body: { allowed: decision?.decision === 'ALLOWED', ...decision } };
    }
  }
  return problem(404, 'NotFoundException', `No emulator endpoint ${method} ${path}`);
}
