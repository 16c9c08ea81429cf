import { describe, expect, it } from 'vitest';
import {
  at,
  baseConfig,
  errorsOf,
  liveAuth,
  loaded,
  type Yamlish,
} from '../../test/harness/config-builders.js';

const TENANT = '6f1d2b3c-4a5e-4f60-8a7b-9c0d1e2f3a4b';
const CLIENT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function pimConfig(mode: 'sandbox' | 'live' = 'sandbox'): Yamlish {
  const config = baseConfig();
  config['mode'] = mode;
  at(config, 'roles', 'read-only')['source'] = 'entra-pim';
  return config;
}

describe('config: the entra section and PIM roles', () => {
  it('gives a sandbox PIM role the default Entra settings', () => {
    const { config } = loaded(pimConfig());
    expect(config.entra).toEqual({
      authority: 'https://login.microsoftonline.com',
      graphUrl: 'https://graph.microsoft.com/v1.0',
      pollInterval: 10_000,
      userAttribute: 'userPrincipalName',
    });
    expect(config.roles.get('read-only')?.source).toBe('entra-pim');
  });

  it('has no entra settings when no role uses PIM and the file has none', () => {
    expect(loaded(baseConfig()).config.entra).toBeUndefined();
  });

  it('reads a live section with a secret from the environment', () => {
    const config = pimConfig('live');
    delete config['directory'];
    at(config, 'roles', 'read-only')['eligibility'] = { members: ['dev@example.com'] };
    at(config, 'roles', 'ec2-admin')['eligibility'] = { members: ['dev@example.com'] };
    at(config, 'roles', 'ec2-admin', 'activation', 'approval')['approvers'] = ['ops@example.com'];
    config['admins'] = ['ops@example.com'];
    config['auth'] = liveAuth();
    config['entra'] = {
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecretEnv: 'JIT_ENTRA_CLIENT_SECRET',
      pollInterval: 'PT5S',
    };
    const result = loaded(config).config.entra;
    expect(result).toMatchObject({
      tenantId: TENANT,
      clientId: CLIENT,
      credential: { kind: 'secret', env: 'JIT_ENTRA_CLIENT_SECRET' },
      pollInterval: 5_000,
    });
  });

  it('requires the section in live mode once a role uses PIM', () => {
    const errors = errorsOf(pimConfig('live'));
    expect(
      errors.some((e) => /entra: missing; role read-only uses source: entra-pim/.test(e)),
    ).toBe(true);
  });

  it('requires tenant, client and a credential in live mode, over https', () => {
    const config = pimConfig('live');
    config['entra'] = { graphUrl: 'http://graph.example.test/v1.0' };
    const errors = errorsOf(config).join('\n');
    expect(errors).toMatch(/entra\.tenantId: missing/);
    expect(errors).toMatch(/entra\.clientId: missing/);
    expect(errors).toMatch(/entra: has no credential/);
    expect(errors).toMatch(/entra\.graphUrl: http:\/\/graph\.example\.test\/v1\.0 is plain http/);
  });

  it('refuses a secret written where the variable name belongs', () => {
    const config = pimConfig();
    config['entra'] = { clientSecretEnv: 'abc~Q8sd.secret' };
    const errors = errorsOf(config).join('\n');
    expect(errors).toMatch(/entra\.clientSecretEnv: .*not an environment variable name/);
    expect(errors).not.toMatch(/abc~Q8sd\.secret[^"]/);
  });

  it('refuses both a secret and a certificate', () => {
    const config = pimConfig();
    config['entra'] = {
      clientSecretEnv: 'S',
      certificate: { privateKeyFile: 'k.pem', certificateFile: 'c.pem' },
    };
    expect(errorsOf(config).join('\n')).toMatch(/give either clientSecretEnv or certificate/);
  });

  it('refuses a malformed tenant or client id, and a poll interval out of range', () => {
    const config = pimConfig();
    config['entra'] = { tenantId: 'not a tenant', clientId: '1234', pollInterval: 'PT1S' };
    const errors = errorsOf(config).join('\n');
    expect(errors).toMatch(/entra\.tenantId: .*is not a tenant id/);
    expect(errors).toMatch(/entra\.clientId: .*is not an application \(client\) id/);
    expect(errors).toMatch(/entra\.pollInterval/);
  });

  it('refuses two PIM roles on one Entra group, and entraGroup on a native role', () => {
    const config = pimConfig();
    at(config, 'roles', 'ec2-admin')['source'] = 'entra-pim';
    at(config, 'roles', 'ec2-admin')['entraGroup'] = 'JIT-read-only';
    at(config, 'roles', 'ec2-admin', 'activation', 'approval')['required'] = false;
    const errors = errorsOf(config).join('\n');
    expect(errors).toMatch(/Entra group JIT-read-only already drives role/);

    const native = baseConfig();
    at(native, 'roles', 'ec2-admin')['entraGroup'] = 'PIM-EC2';
    expect(errorsOf(native).join('\n')).toMatch(
      /roles\.ec2-admin\.entraGroup: only applies to roles activated in Entra PIM/,
    );
  });

  it('keeps the role entraGroup when given', () => {
    const config = pimConfig();
    at(config, 'roles', 'read-only')['entraGroup'] = 'PIM-ReadOnly';
    expect(loaded(config).config.roles.get('read-only')?.entraGroup).toBe('PIM-ReadOnly');
  });
});
