// The shipped example is what users copy: it must load cleanly and mean what it says.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HOUR } from '../core/duration.js';
import { loadConfigFile } from './load-config-file.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/jit.config.yaml', import.meta.url));

describe('examples/jit.config.yaml', () => {
  it('loads with no errors and no warnings', async () => {
    const result = await loadConfigFile(EXAMPLE);
    expect(result.ok ? result.warnings : result.errors).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('models six roles: both enforcement modes, a quorum of two, and an Entra PIM role', async () => {
    const result = await loadConfigFile(EXAMPLE);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const { config } = result;
    expect([...config.roles.keys()]).toEqual([
      'ec2-admin',
      's3-admin',
      'read-only',
      'db-admin',
      'prod-ops',
      'break-glass',
    ]);
    expect(config.roles.get('prod-ops')).toMatchObject({
      source: 'entra-pim',
      group: 'JIT-Prod-Ops',
    });
    const db = config.roles.get('db-admin')!;
    expect(db.enforcement).toBe('account-assignment');
    expect(db.activation.approval).toEqual({
      required: true,
      approvers: { users: ['bob@example.com', 'carol@example.com'], groups: [] },
      quorum: 2,
      allowSelfApproval: false,
    });
    expect(config.roles.get('read-only')!.activation.approval.required).toBe(false);
    expect(config.roles.get('break-glass')!.breakGlass).toBe(true);
    expect(config.roles.get('ec2-admin')!.activation.maxDuration).toBe(4 * HOUR);
    for (const set of config.permissionSets.values()) {
      expect(set.permissionsBoundary).toEqual({
        customerManagedPolicy: { name: 'JitPermissionsBoundary', path: '/' },
      });
    }
    expect(config.directory!.users.find((u) => u.name === 'dave')!.mfa).toBe(false);
    expect(JSON.parse(config.permissionSets.get('EC2Admin')!.inlinePolicy!)).toMatchObject({
      Version: '2012-10-17',
    });
  });
});

const LIVE_EXAMPLE = fileURLToPath(new URL('../../examples/jit.live.config.yaml', import.meta.url));

describe('examples/jit.live.config.yaml', () => {
  it('loads in live mode with no errors and no warnings, and holds no secret', async () => {
    const result = await loadConfigFile(LIVE_EXAMPLE);
    expect(result.ok ? result.warnings : result.errors).toEqual([]);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const { config } = result;
    expect(config.mode).toBe('live');
    expect(config.roles.get('prod-readonly')).toMatchObject({ source: 'entra-pim' });
    expect(config.auth.oidc?.issuer).toMatch(/^https:\/\/login\.microsoftonline\.com\//);
    expect(config.server.publicUrl).toBe('https://jit.example.com');
  });
});
