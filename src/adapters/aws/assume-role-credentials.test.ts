// AssumeRole credentials: cached until shortly before they expire, one call for concurrent
// callers, and a failure that says what to fix without any key in it.
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { JitError } from '../../core/errors.js';
import { SettableClock } from '../../ports/clock.js';
import { assumeRoleCredentials } from './assume-role-credentials.js';

describe('assumeRoleCredentials', () => {
  it('assumes once, shares the call, and renews five minutes before expiry', async () => {
    const clock = new SettableClock({ fixed: 0 });
    const inputs: unknown[] = [];
    const sts = {
      send: (command: unknown) => {
        expect(command).toBeInstanceOf(AssumeRoleCommand);
        inputs.push((command as AssumeRoleCommand).input);
        return Promise.resolve({
          Credentials: {
            AccessKeyId: `ASIA${String(inputs.length)}`,
            SecretAccessKey: 's',
            SessionToken: 't',
            Expiration: new Date(clock.now() + 3_600_000),
          },
        });
      },
    };
    const provider = assumeRoleCredentials({
      sts,
      roleArn: 'arn:aws:iam::123456789012:role/jit',
      externalId: 'ext',
      clock,
    });
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(a.accessKeyId).toBe('ASIA1');
    expect(b.accessKeyId).toBe('ASIA1');
    expect(inputs).toEqual([
      {
        RoleArn: 'arn:aws:iam::123456789012:role/jit',
        RoleSessionName: 'jit-access',
        DurationSeconds: 3600,
        ExternalId: 'ext',
      },
    ]);
    clock.advance(54 * 60_000);
    expect((await provider()).accessKeyId).toBe('ASIA1');
    clock.advance(2 * 60_000);
    expect((await provider()).accessKeyId).toBe('ASIA2');
  });

  it('fails with the trust-policy fix and no key in the message', async () => {
    const sts = {
      send: () =>
        Promise.reject(
          Object.assign(
            new Error(
              'User: arn:aws:iam::1:user/x with key AKIAABCDEFGHIJKLMNOP is not authorized',
            ),
            {
              name: 'AccessDenied',
              $metadata: { httpStatusCode: 403 },
            },
          ),
        ),
    };
    const provider = assumeRoleCredentials({
      sts,
      roleArn: 'arn:aws:iam::123456789012:role/jit',
      clock: new SettableClock({ fixed: 0 }),
    });
    const error = await provider().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JitError);
    expect((error as Error).message).toMatch(/cannot assume arn:aws:iam::123456789012:role\/jit/);
    expect((error as Error).message).toMatch(/may not call sts:AssumeRole/);
    expect((error as Error).message).toMatch(/trust policy must allow sts:AssumeRole/);
    expect((error as Error).message).not.toMatch(/AKIA/);
  });
});
