// Finding the Identity Center instance with ListInstances through the real SDK, against the
// emulator: found, checked against the config, and each way it can be wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emulatorTestClients,
  type EmulatorTestClients,
} from '../../../test/harness/identity-center-clients.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from '../../emulators/identity-center/start-identity-center-emulator.js';
import { discoverIdentityCenter } from './discover-identity-center.js';

let running: RunningIdentityCenterEmulator;
let clients: EmulatorTestClients;

beforeAll(async () => {
  running = await startIdentityCenterEmulator();
  clients = emulatorTestClients(running.url);
});
afterAll(async () => {
  clients.destroy();
  await running.close();
});

describe('discoverIdentityCenter', () => {
  it('finds the one instance, with its identity store and owner', async () => {
    const found = await discoverIdentityCenter({ ssoAdmin: clients.ssoAdmin });
    expect(found).toMatchObject({
      instanceArn: running.emulator.state.instanceArn,
      identityStoreId: running.emulator.state.identityStoreId,
      ownerAccountId: running.emulator.state.organization.managementAccountId,
      foundBy: 'ListInstances',
    });
  });

  it('takes both ids from the config without a call', async () => {
    const found = await discoverIdentityCenter({
      ssoAdmin: { send: () => Promise.reject(new Error('no call expected')) },
      instanceArn: 'arn:aws:sso:::instance/ssoins-1111111111111111',
      identityStoreId: 'd-1111111111',
    });
    expect(found.foundBy).toBe('config');
  });

  it('refuses an instance ARN or identity store id that does not match', async () => {
    await expect(
      discoverIdentityCenter({
        ssoAdmin: clients.ssoAdmin,
        instanceArn: 'arn:aws:sso:::instance/ssoins-0000000000000000',
      }),
    ).rejects.toThrow(
      /no Identity Center instance arn:aws:sso:::instance\/ssoins-0+ in this region/,
    );
    await expect(
      discoverIdentityCenter({ ssoAdmin: clients.ssoAdmin, identityStoreId: 'd-0000000000' }),
    ).rejects.toThrow(/uses identity store d-/);
  });

  it('says which IAM action is missing when ListInstances is denied', async () => {
    running.emulator.faults.set('ListInstances', {
      errorRate: 1,
      errorKind: 'AccessDeniedException',
    });
    try {
      await expect(discoverIdentityCenter({ ssoAdmin: clients.ssoAdmin })).rejects.toThrow(
        /may not call ListInstances.*or set aws.identityCenter.instanceArn and identityStoreId/,
      );
    } finally {
      running.emulator.faults.set('ListInstances', null);
    }
  });
});
