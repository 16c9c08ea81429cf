// The aws section of a live config: where the controller acts, with credentials never in it.
import { describe, expect, it } from 'vitest';
import {
  baseConfig,
  errorsOf,
  liveAuth,
  loaded,
  type Yamlish,
} from '../../test/harness/config-builders.js';

function live(aws: Yamlish | undefined): Yamlish {
  const config = baseConfig();
  config['mode'] = 'live';
  delete config['directory'];
  config['auth'] = liveAuth();
  config['roles'] = {
    'read-only': {
      group: 'JIT-read-only',
      permissionSet: 'EC2Admin',
      accounts: ['111111111111'],
      eligibility: { members: ['dev@example.com'] },
    },
  };
  config['admins'] = ['admin@example.com'];
  if (aws !== undefined) config['aws'] = aws;
  return config;
}

describe('config: the aws section', () => {
  it('reads every field, with revocation on and its policy name by default', () => {
    const { config } = loaded(
      live({
        region: 'eu-west-1',
        roleArn: 'arn:aws:iam::123456789012:role/jit-controller',
        externalId: 'jit-ext-1',
        identityCenter: {
          instanceArn: 'arn:aws:sso:::instance/ssoins-1234567890abcdef',
          identityStoreId: 'd-1234567890',
        },
        revocation: { targetId: 'ou-ab12-cdef3456', managementAccountId: '999999999999' },
      }),
    );
    expect(config.aws).toEqual({
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::123456789012:role/jit-controller',
      externalId: 'jit-ext-1',
      instanceArn: 'arn:aws:sso:::instance/ssoins-1234567890abcdef',
      identityStoreId: 'd-1234567890',
      revocation: {
        enabled: true,
        targetId: 'ou-ab12-cdef3456',
        policyName: 'JitSessionRevocation',
        managementAccountId: '999999999999',
      },
    });
  });

  it('is optional: the SDK finds region and credentials, ListInstances the instance', () => {
    expect(loaded(live(undefined)).config.aws).toBeUndefined();
  });

  it('says what each malformed field should look like', () => {
    expect(
      errorsOf(
        live({
          region: 'Ireland',
          roleArn: 'jit-controller',
          identityCenter: { instanceArn: 'ssoins-1', identityStoreId: 'store' },
          revocation: { targetId: 'root', managementAccountId: '999' },
        }),
      ),
    ).toEqual([
      'aws.region: "Ireland" is not an AWS region, e.g. eu-west-1',
      'aws.roleArn: "jit-controller" is not an IAM role ARN, e.g. arn:aws:iam::123456789012:role/jit-controller',
      'aws.identityCenter.instanceArn: "ssoins-1" is not an Identity Center instance ARN, e.g. arn:aws:sso:::instance/ssoins-1234567890abcdef; leave it out to find it with ListInstances',
      'aws.identityCenter.identityStoreId: "store" is not an identity store id, e.g. d-1234567890; leave it out to find it with ListInstances',
      'aws.revocation.targetId: "root" is not a root or OU id; give r-xxxx (the root: every account) or ou-xxxx-yyyyyyyy',
      'aws.revocation.managementAccountId: "999" is not an AWS account id; give its 12 digits, quoted',
    ]);
  });

  it('refuses keys in the section, pointing at the default chain', () => {
    const errors = errorsOf(live({ accessKeyId: 'AKIAABCDEFGHIJKLMNOP' }));
    expect(errors.join('\n')).toMatch(/aws\.accessKeyId/);
    expect(errors.join('\n')).not.toMatch(/AKIAABCDEFGHIJKLMNOP/);
  });

  it('warns when revocation is off, and when the sandbox has an aws section', () => {
    expect(loaded(live({ revocation: { enabled: false } })).warnings).toEqual([
      "aws.revocation.enabled: is false: AWS sessions opened during a grant keep working after it ends, for up to the permission set's SessionDuration; turn it on unless Organizations is out of reach",
    ]);
    const sandbox = baseConfig();
    sandbox['aws'] = { region: 'eu-west-1' };
    expect(loaded(sandbox).warnings).toContain(
      'aws: is only used in mode: live; the sandbox runs its own emulated organisation',
    );
  });
});
