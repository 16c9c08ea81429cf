// Conformance of the emulated EventBridge Scheduler with its API model: every row of the
// route table has the model's method, URI and query bindings; one case per row (a row
// without a case fails), sent as the model's `http` trait and member locations say (not as
// the route table says), with request and response checked against the model's shapes and
// enum values against the enums @aws-sdk/client-scheduler exports.

import { readFileSync } from 'node:fs';
import {
  ActionAfterCompletion,
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  FlexibleTimeWindowMode,
  ScheduleGroupState,
  SchedulerClient,
  ScheduleState,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAgainstShape,
  modelsDirectory,
  type ApiModel,
} from '../../../test/harness/api-model-checker.js';
import { schedulerRoutes } from './scheduler-routes.js';
import type { SchedulerOperation } from './scheduler-handlers.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

interface MemberRef {
  readonly location?: 'uri' | 'querystring' | 'header';
  readonly locationName?: string;
}

interface HttpOperation {
  readonly http: { readonly method?: string; readonly requestUri: string };
  readonly input?: { readonly members?: Readonly<Record<string, MemberRef>> };
}

interface SchedulerModel extends ApiModel {
  readonly operations: Readonly<Record<string, HttpOperation & ApiModel['operations'][string]>>;
}

const modelFile = 'scheduler-2021-06-30.min.json';

/** The aws-sdk `*.min.json` model of Scheduler, vendored beside the others. */
function loadSchedulerModel(): SchedulerModel {
  return JSON.parse(readFileSync(new URL(modelFile, modelsDirectory), 'utf8')) as SchedulerModel;
}

const model = loadSchedulerModel();
const authorization =
  'AWS4-HMAC-SHA256 Credential=AKIAJITSANDBOX000000/20250101/us-east-1/scheduler/aws4_request, SignedHeaders=host, Signature=00';
const roleArn = 'arn:aws:iam::111111111111:role/jit-access-scheduler';
const group = 'conformance';

let now = Date.parse('2025-01-01T00:00:00Z');
let running: RunningIdentityCenterEmulator;
let sdk: SchedulerClient;

function target(): Record<string, unknown> {
  return {
    Arn: 'arn:aws:scheduler:::aws-sdk:identitystore:deleteGroupMembership',
    RoleArn: roleArn,
    Input: JSON.stringify({
      IdentityStoreId: running.emulator.state.identityStoreId,
      MembershipId: '00000000-0000-0000-0000-000000000000',
    }),
  };
}

function atIn(ms: number): string {
  return `at(${new Date(now + ms).toISOString().slice(0, 19)})`;
}

async function createSchedule(Name: string): Promise<void> {
  await sdk.send(
    new CreateScheduleCommand({
      Name,
      GroupName: group,
      ScheduleExpression: atIn(86_400_000),
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:identitystore:deleteGroupMembership',
        RoleArn: roleArn,
        Input: '{}',
      },
    }),
  );
}

type Case = () => Promise<Record<string, unknown>>;

/** One request per operation, as model input members; setup runs through the SDK. */
const cases: Readonly<Record<SchedulerOperation, Case>> = {
  CreateScheduleGroup: () =>
    Promise.resolve({
      Name: 'conformance-new',
      ClientToken: 'token-create-group',
      Tags: [{ Key: 'team', Value: 'jit' }],
    }),
  GetScheduleGroup: () => Promise.resolve({ Name: group }),
  DeleteScheduleGroup: async () => {
    await sdk.send(new CreateScheduleGroupCommand({ Name: 'conformance-doomed' }));
    return { Name: 'conformance-doomed', ClientToken: 'token-delete-group' };
  },
  ListScheduleGroups: () => Promise.resolve({ MaxResults: 10, NamePrefix: 'conf' }),
  CreateSchedule: () =>
    Promise.resolve({
      Name: 'conformance-create',
      GroupName: group,
      ClientToken: 'token-create',
      Description: 'every member',
      ScheduleExpression: atIn(3_600_000),
      ScheduleExpressionTimezone: 'Europe/Berlin',
      StartDate: now / 1000,
      EndDate: now / 1000 + 86_400,
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      KmsKeyArn: 'arn:aws:kms:us-east-1:111111111111:key/0123abcd',
      Target: {
        ...target(),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:111111111111:jit-dlq' },
      },
    }),
  GetSchedule: async () => {
    await createSchedule('conformance-get');
    return { Name: 'conformance-get', GroupName: group };
  },
  UpdateSchedule: async () => {
    await createSchedule('conformance-update');
    return {
      Name: 'conformance-update',
      GroupName: group,
      ClientToken: 'token-update',
      ScheduleExpression: atIn(7_200_000),
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      Target: target(),
    };
  },
  DeleteSchedule: async () => {
    await createSchedule('conformance-delete');
    return { Name: 'conformance-delete', GroupName: group, ClientToken: 'token-delete' };
  },
  ListSchedules: async () => {
    await createSchedule('conformance-list');
    return { GroupName: group, MaxResults: 10, NamePrefix: 'conformance', State: 'ENABLED' };
  },
};

interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string | undefined;
}

/** Serialises model input members where the model's restJson1 bindings put them. */
function modelRequest(operation: string, input: Record<string, unknown>): HttpRequest {
  const op = model.operations[operation];
  if (op === undefined) throw new Error(`${operation} is not in the Scheduler model`);
  const members = op.input?.members ?? {};
  let uri = op.http.requestUri;
  const query = new URLSearchParams();
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    const member = members[name];
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (member?.location === 'uri') {
      uri = uri.replace(`{${member.locationName ?? name}}`, encodeURIComponent(text));
    } else if (member?.location === 'querystring') {
      query.set(member.locationName ?? name, text);
    } else {
      body[name] = value;
    }
  }
  const method = op.http.method ?? 'POST';
  const search = query.size === 0 ? '' : `?${query.toString()}`;
  const hasBody = method === 'POST' || method === 'PUT';
  return { method, path: `${uri}${search}`, body: hasBody ? JSON.stringify(body) : undefined };
}

/** The SDK enum a string leaf must be one of, by where it sits. */
function enumFor(operation: string, path: string): Readonly<Record<string, string>> | undefined {
  if (path.endsWith('ActionAfterCompletion')) return ActionAfterCompletion;
  if (path.endsWith('FlexibleTimeWindow.Mode')) return FlexibleTimeWindowMode;
  if (path === 'State' || path.endsWith('[].State')) {
    return operation.includes('ScheduleGroup') ? ScheduleGroupState : ScheduleState;
  }
  return undefined;
}

beforeAll(async () => {
  running = await startIdentityCenterEmulator({
    clock: () => (now += 1000),
    throttle: false,
    assignmentDelayMs: 0,
  });
  sdk = new SchedulerClient({
    endpoint: running.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAJITSANDBOX000000', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  await sdk.send(new CreateScheduleGroupCommand({ Name: group }));
});

afterAll(async () => {
  sdk.destroy();
  await running.close();
});

describe('EventBridge Scheduler conformance with its API model', () => {
  it.each(schedulerRoutes.map((r) => [r.operation, r] as const))(
    '%s is routed by the model’s method, URI and query bindings',
    (operation, row) => {
      const op = model.operations[operation];
      expect(op, `${operation} is not in the model`).toBeDefined();
      expect(row.method).toBe(op!.http.method ?? 'POST');
      expect(row.uri).toBe(op!.http.requestUri);
      const modelQuery = Object.entries(op!.input?.members ?? {})
        .filter(([, m]) => m.location === 'querystring')
        .map(([name, m]): [string, string] => [m.locationName ?? name, name]);
      const rowQuery = Object.entries(row.query).map(([name, b]): [string, string] => [
        name,
        b.member,
      ]);
      expect(new Map(rowQuery)).toEqual(new Map(modelQuery));
    },
  );

  it('has a case for every operation in the route table and none for others', () => {
    expect(Object.keys(cases).sort()).toEqual(schedulerRoutes.map((r) => r.operation).sort());
  });

  it.each(schedulerRoutes.map((r) => r.operation))(
    '%s: request and response match the model',
    async (operation) => {
      const request = await cases[operation]();
      const http = modelRequest(operation, request);
      const response = await fetch(`${running.url}${http.path}`, {
        method: http.method,
        headers: {
          authorization,
          ...(http.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(http.body === undefined ? {} : { body: http.body }),
      });
      const json = (await response.json()) as Record<string, unknown>;
      expect(response.status, JSON.stringify(json)).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      const op = model.operations[operation]!;
      const requestCheck = checkAgainstShape(model, op.input, request);
      const responseCheck = checkAgainstShape(model, op.output, json);
      expect(requestCheck.problems, 'request').toEqual([]);
      expect(responseCheck.problems, 'response').toEqual([]);
      for (const leaf of [...requestCheck.leaves, ...responseCheck.leaves]) {
        const values = enumFor(operation, leaf.path);
        if (values === undefined) continue;
        expect(Object.values(values), `${leaf.path} = ${leaf.value}`).toContain(leaf.value);
      }
    },
  );

  it('answers errors as restJson1 does: x-amzn-errortype and a Message member', async () => {
    const response = await fetch(`${running.url}/schedule-groups/nope`, {
      headers: { authorization },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await response.json()).toMatchObject({ Message: 'Schedule group nope does not exist.' });
  });
});
