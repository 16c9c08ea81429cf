// EntraPimActivationSource through Graph against the Entra emulator, held to the
// ActivationSource contract. Assignments are made as an administrator would, with PIM
// adminAssign / adminRemove requests through Graph.
import { runActivationSourceContract } from '../../../test/contracts/activation-source-contract.js';
import { startEntraEmulator } from '../../emulators/entra/index.js';
import { SettableClock } from '../../ports/clock.js';
import { createEntraAdapters } from './create-entra-adapters.js';
import { PIM_GROUP_PATH } from './entra-directory.js';

runActivationSourceContract('Entra PIM for Groups (against the Entra emulator)', {
  fixtures: {
    groups: ['JIT-prod-admin', 'JIT-dev-admin'],
    users: ['alice@example.com', 'bob@example.com'],
    unknownGroup: 'JIT-nobody',
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
    const request = (
      action: 'adminAssign' | 'adminRemove',
      group: string,
      user: string,
      expiration?: unknown,
    ) =>
      entra.graph.post(`${PIM_GROUP_PATH}/assignmentScheduleRequests`, {
        accessId: 'member',
        action,
        groupId: ids.groups[group],
        principalId: ids.users[user],
        justification: 'contract',
        ...(expiration === undefined
          ? {}
          : { scheduleInfo: { startDateTime: new Date(clock.now()).toISOString(), expiration } }),
      });
    return {
      source: entra.activationSource,
      now: () => clock.now(),
      advance: (ms: number) => {
        clock.advance(ms);
      },
      assign: async (group: string, user: string, durationMs?: number) => {
        await request(
          'adminAssign',
          group,
          user,
          durationMs === undefined
            ? { type: 'noExpiration' }
            : { type: 'afterDuration', duration: `PT${String(Math.round(durationMs / 60_000))}M` },
        );
      },
      remove: async (group: string, user: string) => {
        await request('adminRemove', group, user);
      },
      cleanup: () => emulator.close(),
    };
  },
});
