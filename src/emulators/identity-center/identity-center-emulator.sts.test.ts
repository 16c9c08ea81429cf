// STS through the real SDK client (awsQuery over HTTP): the caller's identity, AssumeRole,
// the assumed role's identity with the issued keys, and the errors a client must handle.

import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  STSServiceException,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

let running: RunningIdentityCenterEmulator;

const stsClient = (credentials: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}): STSClient =>
  new STSClient({ region: 'eu-west-1', endpoint: running.url, credentials, maxAttempts: 1 });

const userKeys = { accessKeyId: 'AKIAJITTEST000000000', secretAccessKey: 'not-a-secret' };

beforeAll(async () => {
  running = await startIdentityCenterEmulator({
    seed: { managementAccount: { id: '222222222222', name: 'management' } },
  });
});
afterAll(async () => {
  await running.close();
});

async function refusal(promise: Promise<unknown>): Promise<STSServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof STSServiceException) return error;
    throw error;
  }
  throw new Error('expected an STS error');
}

describe('STS', () => {
  it('names a plain key an IAM user of the management account', async () => {
    const identity = await stsClient(userKeys).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: '222222222222',
      Arn: 'arn:aws:iam::222222222222:user/emulator',
    });
  });

  it('assumes a role and then answers as the role session', async () => {
    const assumed = await stsClient(userKeys).send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::222222222222:role/jit-controller',
        RoleSessionName: 'jit-access',
        ExternalId: 'ext-123',
        DurationSeconds: 900,
      }),
    );
    const credentials = assumed.Credentials;
    expect(credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(credentials?.Expiration).toBeInstanceOf(Date);
    expect(assumed.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::222222222222:assumed-role/jit-controller/jit-access',
    );
    const identity = await stsClient({
      accessKeyId: credentials?.AccessKeyId ?? '',
      secretAccessKey: credentials?.SecretAccessKey ?? '',
      sessionToken: credentials?.SessionToken ?? '',
    }).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe('arn:aws:sts::222222222222:assumed-role/jit-controller/jit-access');
    expect(identity.UserId).toMatch(/^AROA.+:jit-access$/);
  });

  it('refuses a malformed role ARN and a duration outside 15 minutes to 12 hours', async () => {
    const bad = await refusal(
      stsClient(userKeys).send(
        new AssumeRoleCommand({ RoleArn: 'jit-controller', RoleSessionName: 'jit-access' }),
      ),
    );
    expect(bad.name).toBe('ValidationError');
    expect(bad.$metadata.httpStatusCode).toBe(400);
    const long = await refusal(
      stsClient(userKeys).send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::222222222222:role/x',
          RoleSessionName: 'jit-access',
          DurationSeconds: 60,
        }),
      ),
    );
    expect(long.name).toBe('ValidationError');
  });

  it('answers AccessDenied for an action denied by fault injection', async () => {
    running.emulator.faults.set('GetCallerIdentity', {
      errorRate: 1,
      errorKind: 'AccessDeniedException',
    });
    try {
      const denied = await refusal(stsClient(userKeys).send(new GetCallerIdentityCommand({})));
      expect(denied.name).toBe('AccessDenied');
      expect(denied.$metadata.httpStatusCode).toBe(403);
      expect(running.emulator.calls().operations['GetCallerIdentity']).toMatchObject({
        faulted: 1,
      });
    } finally {
      running.emulator.faults.set('GetCallerIdentity', null);
    }
  });
});
