// Fuzz: at least 1,000 structured malformed requests per operation, built from the
// operation's model input (a required member dropped, or a member given the wrong JSON
// type, with arbitrary values elsewhere). Every one gets a 4xx with `__type`; then the
// HTTP server answers a burst of malformed requests and still serves a valid one.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadApiModel,
  type ApiModel,
  type ShapeRef,
} from '../../../test/harness/api-model-checker.js';
import { dispatchTable, type ServiceName } from './dispatch-table.js';
import { rawRequest } from '../../../test/harness/identity-center-clients.js';
import { IdentityCenterEmulator } from './identity-center-emulator.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

const models: Readonly<Record<ServiceName, ApiModel>> = {
  'sso-admin': loadApiModel('sso-admin-2020-07-20.min.json'),
  identitystore: loadApiModel('identitystore-2020-06-15.min.json'),
  organizations: loadApiModel('organizations-2016-11-28.min.json'),
};

function resolve(model: ApiModel, ref: ShapeRef): ShapeRef {
  return ref.shape === undefined ? ref : resolve(model, model.shapes[ref.shape]!);
}

function kindOf(ref: ShapeRef): string {
  return ref.type ?? (ref.members !== undefined ? 'structure' : 'string');
}

/** A JSON value that is never of the member's type (and never null, which means absent). */
function wrongType(kind: string): fc.Arbitrary<unknown> {
  const options: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
    ),
    integer: fc.oneof(
      fc.string(),
      fc.boolean(),
      fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
      fc.constant({}),
    ),
    boolean: fc.oneof(fc.string(), fc.integer(), fc.constant([])),
    structure: fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer(), { maxLength: 2 })),
    list: fc.oneof(
      fc.string(),
      fc.integer(),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
    ),
    map: fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer(), { maxLength: 2 })),
    timestamp: fc.oneof(fc.boolean(), fc.constant([])),
  };
  return options[kind] ?? options.string!;
}

interface MalformedCase {
  readonly body: Record<string, unknown>;
  readonly guaranteed: boolean;
}

function malformed(model: ApiModel, input: ShapeRef | undefined): fc.Arbitrary<MalformedCase> {
  const shape = input === undefined ? { members: {} } : resolve(model, input);
  const members = Object.entries(shape.members ?? {});
  const required = shape.required ?? [];
  const corruptible = members.filter(([, ref]) => resolve(model, ref).document !== true);
  const base = fc.record(
    Object.fromEntries(
      members.map(([name]) => [
        name,
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constant(undefined),
          fc.integer(),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      ]),
    ),
    { requiredKeys: [] },
  );
  const strategies: fc.Arbitrary<MalformedCase>[] = [];
  if (required.length > 0) {
    strategies.push(
      fc.tuple(base, fc.constantFrom(...required)).map(([body, drop]) => {
        const copy = Object.fromEntries(Object.entries(body).filter(([key]) => key !== drop));
        return { body: copy, guaranteed: true };
      }),
    );
  }
  if (corruptible.length > 0) {
    strategies.push(
      fc
        .constantFrom(...corruptible)
        .chain(([name, ref]) =>
          fc.tuple(base, fc.constant(name), wrongType(kindOf(resolve(model, ref)))),
        )
        .map(([body, name, value]) => ({ body: { ...body, [name]: value }, guaranteed: true })),
    );
  }
  if (strategies.length === 0)
    strategies.push(
      fc.record({
        body: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
        guaranteed: fc.constant(false),
      }),
    );
  return fc.oneof(...strategies);
}

describe('fuzzing every operation with malformed requests', () => {
  const emulator = new IdentityCenterEmulator({ throttle: false, assignmentDelayMs: 0 });

  it.each([...dispatchTable.entries()].map(([target, entry]) => [target, entry] as const))(
    '%s answers 4xx with __type',
    async (target, entry) => {
      const model = models[entry.service];
      const input = model.operations[entry.operation]?.input;
      await fc.assert(
        fc.asyncProperty(malformed(model, input), async ({ body, guaranteed }) => {
          const response = await emulator.handle(target, JSON.stringify(body));
          expect(response.status).toBeLessThan(500);
          if (guaranteed) {
            expect(response.status).toBeGreaterThanOrEqual(400);
            const parsed = JSON.parse(response.body) as { __type?: unknown };
            expect(typeof parsed.__type).toBe('string');
            expect(response.headers['x-amzn-errortype']).toBe(parsed.__type);
          }
        }),
        { numRuns: 1000 },
      );
    },
  );
});

describe('the HTTP server under malformed traffic', () => {
  let running: RunningIdentityCenterEmulator;

  beforeAll(async () => {
    running = await startIdentityCenterEmulator({ throttle: false });
  });

  afterAll(async () => {
    await running.close();
  });

  it('answers raw garbage with 4xx and __type, and keeps serving', async () => {
    const targets = [...dispatchTable.keys()];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets, 'Bogus.Op'),
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (target, body) => {
          const res = await rawRequest(running.url, target, body);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expect(typeof res.json.__type).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
    const ok = await rawRequest(running.url, 'SWBExternalService.ListInstances', '{}');
    expect(ok.status).toBe(200);
  });
});
