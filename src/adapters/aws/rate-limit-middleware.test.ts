// The limiter inside real SDK clients, against a tiny local node:http test fake (not the
// Identity Center emulator): every HTTP attempt, the SDK's own retries included, takes a
// token, and a CreateAccountAssignment counts as outstanding until its status settles.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetUserIdCommand } from '@aws-sdk/client-identitystore';
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
} from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityCenterClients } from './create-identity-center-clients.js';
import { IdentityCenterRateLimiter } from './identity-center-rate-limiter.js';

let throttleNext = 0;
let requestsSeen = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    requestsSeen += 1;
    const target = String(req.headers['x-amz-target']);
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    if (throttleNext > 0) {
      throttleNext -= 1;
      reply(400, { __type: 'ThrottlingException', message: 'slow down' });
    } else if (target.endsWith('.GetUserId')) {
      reply(200, { IdentityStoreId: 'd-0000000000', UserId: 'u-1' });
    } else if (target.endsWith('.CreateAccountAssignment')) {
      reply(200, {
        AccountAssignmentCreationStatus: { Status: 'IN_PROGRESS', RequestId: 'req-1' },
      });
    } else if (target.endsWith('.DescribeAccountAssignmentCreationStatus')) {
      reply(200, { AccountAssignmentCreationStatus: { Status: 'SUCCEEDED', RequestId: 'req-1' } });
    } else {
      reply(400, { __type: 'UnknownOperationException', message: target });
    }
  });
});
let endpoint = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  const closed = new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  server.closeAllConnections();
  await closed;
});

/** The SDK's retry interface, retrying up to `maxAttempts` with no delay (no real sleeps). */
function retryWithoutDelay(maxAttempts: number) {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 0 });
  return {
    mode: 'standard',
    acquireInitialRetryToken: () => Promise.resolve(token(0)),
    refreshRetryTokenForRetry: (previous: ReturnType<typeof token>) =>
      previous.getRetryCount() + 1 < maxAttempts
        ? Promise.resolve(token(previous.getRetryCount() + 1))
        : Promise.reject(new Error('no more attempts')),
    recordSuccess: () => undefined,
  };
}

function clients(limiter: IdentityCenterRateLimiter) {
  const made = createIdentityCenterClients({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDLOCALFAKE', secretAccessKey: 'local-fake-secret' },
    limiter,
  });
  for (const client of [made.ssoAdmin, made.identityStore]) {
    client.config.retryStrategy = () => Promise.resolve(retryWithoutDelay(3));
  }
  return made;
}

function limiter(): IdentityCenterRateLimiter {
  return new IdentityCenterRateLimiter({
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    requestsPerSecond: 10_000,
  });
}

describe('addRateLimitMiddleware', () => {
  it("counts every attempt, the SDK's own retries included, in one budget for both clients", async () => {
    const shared = limiter();
    const { identityStore, ssoAdmin } = clients(shared);
    throttleNext = 2;
    requestsSeen = 0;
    const output = await identityStore.send(
      new GetUserIdCommand({
        IdentityStoreId: 'd-0000000000',
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'a' },
        },
      }),
    );
    expect(output.$metadata.attempts).toBe(3);
    expect(requestsSeen).toBe(3);
    expect(shared.stats().requests).toBe(3);
    await ssoAdmin.send(
      new DescribeAccountAssignmentCreationStatusCommand({
        InstanceArn: 'arn:aws:sso:::instance/ssoins-0',
        AccountAssignmentCreationRequestId: 'req-0',
      }),
    );
    expect(shared.stats().requests).toBe(4);
  });

  it('counts a CreateAccountAssignment as outstanding until its status settles', async () => {
    const shared = limiter();
    const { ssoAdmin } = clients(shared);
    await ssoAdmin.send(
      new CreateAccountAssignmentCommand({
        InstanceArn: 'arn:aws:sso:::instance/ssoins-0',
        TargetId: '111111111111',
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-0/ps-0',
        PrincipalType: 'USER',
        PrincipalId: 'u-1',
      }),
    );
    expect(shared.stats().outstandingCreates).toBe(1);
    await ssoAdmin.send(
      new DescribeAccountAssignmentCreationStatusCommand({
        InstanceArn: 'arn:aws:sso:::instance/ssoins-0',
        AccountAssignmentCreationRequestId: 'req-1',
      }),
    );
    expect(shared.stats().outstandingCreates).toBe(0);
  });

  it('frees the creation slot when the call itself fails', async () => {
    const shared = limiter();
    const { ssoAdmin } = clients(shared);
    throttleNext = 3;
    await expect(
      ssoAdmin.send(
        new CreateAccountAssignmentCommand({
          InstanceArn: 'arn:aws:sso:::instance/ssoins-0',
          TargetId: '111111111111',
          TargetType: 'AWS_ACCOUNT',
          PermissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-0/ps-0',
          PrincipalType: 'USER',
          PrincipalId: 'u-1',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(shared.stats()).toMatchObject({ requests: 3, outstandingCreates: 0 });
  });
});
