// EntraDirectory through Graph against the Entra emulator, held to the Directory contract.
import { runDirectoryContract } from '../../../test/contracts/directory-contract.js';
import { startEntraEmulator } from '../../emulators/entra/index.js';
import { SettableClock } from '../../ports/clock.js';
import { createEntraAdapters } from './create-entra-adapters.js';

runDirectoryContract('Entra ID through Graph (against the Entra emulator)', {
  people: [
    { id: 'alice@example.com', email: 'alice@example.com', handle: 'alice', group: 'developers' },
    { id: 'bob@example.com', email: 'bob@example.com', handle: 'bob', group: 'approvers' },
  ],
  create: async () => {
    const clock = new SettableClock({ base: () => Date.now() });
    const emulator = await startEntraEmulator({ clock });
    emulator.seed({
      users: [
        { userPrincipalName: 'alice@example.com', displayName: 'Alice', mail: 'alice@example.com' },
        { userPrincipalName: 'bob@example.com', displayName: 'Bob', mail: 'bob@example.com' },
      ],
      groups: [
        { displayName: 'developers', members: ['alice@example.com'] },
        { displayName: 'approvers', members: ['bob@example.com'] },
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
      userGroups: ['developers', 'approvers'],
    });
    return { directory: entra.directory, cleanup: () => emulator.close() };
  },
});
