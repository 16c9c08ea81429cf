// The AWS JSON 1.1 protocol as the SDK v3 clients and raw HTTP see it.

import { ListInstancesCommand, SSOAdminServiceException } from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emulatorTestClients,
  rawRequest,
  type EmulatorTestClients,
} from '../../../test/harness/identity-center-clients.js';
import { IdentityCenterEmulator } from './identity-center-emulator.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

let running: RunningIdentityCenterEmulator;
let clients: EmulatorTestClients;

beforeAll(async () => {
  running = await startIdentityCenterEmulator({ port: 0, throttle: false });
  clients = emulatorTestClients(running.url);
});

afterAll(async () => {
  clients.destroy();
  await running.close();
});

describe('the AWS JSON 1.1 protocol', () => {
  it('answers an unmodified SDK client with an endpoint override and static credentials', async () => {
    const out = await clients.ssoAdmin.send(new ListInstancesCommand({}));
    expect(out.Instances).toHaveLength(1);
    expect(out.Instances?.[0]?.IdentityStoreId).toMatch(/^d-[0-9a-f]{10}$/);
    expect(out.Instances?.[0]?.CreatedDate).toBeInstanceOf(Date);
  });

  it('sends timestamps as epoch seconds', async () => {
    const res = await rawRequest(running.url, 'SWBExternalService.ListInstances', '{}');
    const instances = res.json.Instances as { CreatedDate: unknown }[];
    expect(typeof instances[0]?.CreatedDate).toBe('number');
    expect(instances[0]?.CreatedDate).toBeLessThan(1e11);
  });

  it('refuses a request without an Authorization header', async () => {
    const res = await rawRequest(running.url, 'SWBExternalService.ListInstances', '{}', null);
    expect(res.status).toBe(403);
    expect(res.json.__type).toBe('MissingAuthenticationTokenException');
  });

  it('refuses an Authorization header that is not SigV4', async () => {
    const res = await rawRequest(running.url, 'SWBExternalService.ListInstances', '{}', 'Bearer x');
    expect(res.status).toBe(403);
    expect(res.json.__type).toBe('IncompleteSignatureException');
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const res = await rawRequest(running.url, 'SWBExternalService.Nope', '{}');
    expect(res.status).toBe(400);
    expect(res.json.__type).toBe('UnknownOperationException');
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });

  it('answers a request without X-Amz-Target with UnknownOperationException', async () => {
    const res = await rawRequest(running.url, undefined, '{}');
    expect(res.json.__type).toBe('UnknownOperationException');
  });

  it('answers malformed JSON and a non-object body with SerializationException', async () => {
    for (const body of ['{', '[]', '3', '"x"']) {
      const res = await rawRequest(running.url, 'SWBExternalService.ListInstances', body);
      expect(res.status).toBe(400);
      expect(res.json.__type).toBe('SerializationException');
    }
  });

  it('answers a member of the wrong JSON type with SerializationException', async () => {
    const res = await rawRequest(
      running.url,
      'SWBExternalService.ListInstances',
      '{"MaxResults":"ten"}',
    );
    expect(res.json.__type).toBe('SerializationException');
  });

  it('surfaces errors to the SDK as typed exceptions with status and message', async () => {
    const error: unknown = await clients.ssoAdmin
      .send(new ListInstancesCommand({ NextToken: 'bogus' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SSOAdminServiceException);
    const e = error as SSOAdminServiceException;
    expect(e.name).toBe('ValidationException');
    expect(e.$metadata.httpStatusCode).toBe(400);
    expect(e.message).toMatch(/NextToken/);
  });

  it('enumerates its operations from the dispatch table, under the three target prefixes', () => {
    const prefixes = new Set(IdentityCenterEmulator.operations().map((t) => t.split('.')[0]));
    expect(prefixes).toEqual(
      new Set(['SWBExternalService', 'AWSIdentityStore', 'AWSOrganizationsV20161128']),
    );
    const names = IdentityCenterEmulator.operations().map((t) => t.split('.')[1]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('answers 404 outside POST / and /_emulator/', async () => {
    const response = await fetch(`${running.url}/elsewhere`);
    expect(response.status).toBe(404);
  });
});
