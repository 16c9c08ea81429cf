// The SCP revoker against the Identity Center emulator, held to the SessionRevoker contract:
// access is given and taken through the real access target, sessions are issued and judged
// by the emulator's session authority, over HTTP.
import { GetUserIdCommand } from '@aws-sdk/client-identitystore';
import { runSessionRevokerContract } from '../../../../test/contracts/session-revoker-contract.js';
import { parseConfig } from '../../../config/index.js';
import type { Entitlement, Instant } from '../../../core/grant.js';
import type { TargetOperation } from '../../../ports/access-target.js';
import { SettableClock } from '../../../ports/clock.js';
import {
  SANDBOX_CREDENTIALS,
  startIdentityCenterSandbox,
} from '../../../sandbox/identity-center-sandbox.js';
import { createIdentityCenterClients } from '../create-identity-center-clients.js';

const A = '111111111111';
const B = '222222222222';

const CONFIG = `mode: sandbox
permissionSets:
  Admin: { sessionDuration: PT2H, managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess] }
roles:
  admin:
    permissionSet: Admin
    accounts: ['${A}', '${B}']
    enforcement: account-assignment
    activation: { maxDuration: PT4H, approval: { required: false } }
    eligibility: { members: [alice, bob] }
directory:
  users:
    alice: { email: alice@example.com, displayName: Alice Example, mfa: true }
    bob: { email: bob@example.com, displayName: Bob Example, mfa: true }
`;

runSessionRevokerContract('SCP revoker against the Identity Center emulator', {
  fixtures: {
    users: ['alice@example.com', 'bob@example.com'],
    permissionSet: 'Admin',
    accounts: [A, B],
  },
  create: async () => {
    const parsed = parseConfig(CONFIG, 'contract.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const clock = new SettableClock({ base: () => Date.now() });
    const sleep = (ms: number): Promise<void> =>
      new Promise((r) => setTimeout(r, Math.min(ms, 20)));
    const sandbox = await startIdentityCenterSandbox({ config: parsed.config, clock, sleep });
    const { identityStore } = createIdentityCenterClients({
      region: 'us-east-1',
      endpoint: sandbox.endpoint,
      credentials: SANDBOX_CREDENTIALS,
    });
    const userIds = new Map<string, string>();
    const userId = async (user: string): Promise<string> => {
      const known = userIds.get(user);
      if (known) return known;
      const found = await identityStore.send(
        new GetUserIdCommand({
          IdentityStoreId: sandbox.identityStoreId,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: 'userName', AttributeValue: user },
          },
        }),
      );
      userIds.set(user, found.UserId ?? '');
      return found.UserId ?? '';
    };
    const settle = async (operation: Promise<TargetOperation>): Promise<Instant> => {
      let current = await operation;
      for (let i = 0; i < 200 && current.state === 'pending'; i += 1) {
        await sleep(10);
        current = await sandbox.target.poll(current.operationId);
      }
      if (current.state !== 'done') throw new Error(`not done: ${JSON.stringify(current)}`);
      return current.confirmedAt;
    };
    const post = async (path: string, body: unknown): Promise<Response> =>
      fetch(`${sandbox.endpoint}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    return {
      revoker: sandbox.revoker,
      now: () => clock.now(),
      advance: (ms: number) => {
        clock.advance(ms);
      },
      grant: async (e: Entitlement) => {
        await settle(sandbox.target.grant(e));
      },
      remove: (e: Entitlement) => settle(sandbox.target.revoke(e)),
      issue: async (e: Entitlement) => {
        if (e.kind !== 'account-assignment') throw new Error('assignments only');
        const response = await post('/_emulator/sessions', {
          userId: await userId(e.user),
          accountId: e.account,
          permissionSet: e.permissionSet,
          at: new Date(clock.now()).toISOString(),
        });
        const body = (await response.json()) as { sessionId?: string };
        if (response.status !== 201 || !body.sessionId)
          throw new Error(`no session: ${response.status}`);
        return body.sessionId;
      },
      allowed: async (id: string) => {
        const response = await post(`/_emulator/sessions/${id}/evaluate`, {
          at: new Date(clock.now()).toISOString(),
        });
        return ((await response.json()) as { allowed: boolean }).allowed;
      },
      cleanup: async () => {
        identityStore.destroy();
        await sandbox.close();
      },
    };
  },
});
