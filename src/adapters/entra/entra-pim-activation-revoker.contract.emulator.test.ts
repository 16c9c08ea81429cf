// EntraPimActivationRevoker through Graph against the Entra emulator, held to the
// ActivationRevoker contract: holdings are given as an administrator would (adminAssign
// eligibility and assignment requests), and removed with adminRemove.
import { runActivationRevokerContract } from '../../../test/contracts/activation-revoker-contract.js';
import { startEntraEmulator } from '../../emulators/entra/index.js';
import { SettableClock } from '../../ports/clock.js';
import { createEntraAdapters } from './create-entra-adapters.js';
import { PIM_GROUP_PATH } from './entra-directory.js';

runActivationRevokerContract('Entra PIM for Groups (against the Entra emulator)', {
  fixtures: {
    groups: ['JIT-prod-admin', 'JIT-dev-admin'],
    users: ['alice@example.com', 'bob@example.com'],
    memberGroup: 'oncall',
    stranger: 'nobody@example.com',
  },
  create: async () => {
    const clock = new SettableClock({ fixed: Date.UTC(2026, 11, 2, 10) });
    const emulator = await startEntraEmulator({ clock });
    const ids = emulator.seed({
      users: [
        { userPrincipalName: 'alice@example.com', displayName: 'Alice' },
        { userPrincipalName: 'bob@example.com', displayName: 'Bob' },
      ],
      groups: [
        { displayName: 'oncall', members: ['alice@example.com'] },
        { displayName: 'JIT-prod-admin', pim: true },
        { displayName: 'JIT-dev-admin', pim: true },
      ],
    });
    const entra = createEntraAdapters({
      tenantId: emulator.tenantId,
      clientId: emulator.app.clientId,
      credential: { kind: 'secret', secret: emulator.app.clientSecret },
      authority: emulator.url,
      graphBaseUrl: emulator.graphUrl,
      allowInsecureRequests: true,
      clock,
    });
    return {
      revoker: entra.activationRevoker,
      give: async (group, principal, kind) => {
        await entra.graph.post(
          `${PIM_GROUP_PATH}/${kind === 'assignment' ? 'assignment' : 'eligibility'}ScheduleRequests`,
          {
            accessId: 'member',
            action: 'adminAssign',
            groupId: ids.groups[group],
            principalId: ids.users[principal] ?? ids.groups[principal],
            justification: 'contract',
            scheduleInfo: {
              startDateTime: new Date(clock.now()).toISOString(),
              expiration: { type: 'afterDuration', duration: 'PT2H' },
            },
          },
        );
      },
      cleanup: () => emulator.close(),
    };
  },
});
