import { runSessionRevokerContract } from '../../../test/contracts/session-revoker-contract.js';
import { entitlementKey, type Entitlement, type Instant } from '../../core/grant.js';
import { SettableClock } from '../../ports/clock.js';
import { InMemorySessionRevoker } from './in-memory-session-revoker.js';

runSessionRevokerContract('in-memory', {
  fixtures: {
    users: ['alice@example.com', 'bob@example.com'],
    permissionSet: 'Admin',
    accounts: ['111111111111', '222222222222'],
  },
  create: () => {
    const clock = new SettableClock({ fixed: Date.UTC(2026, 11, 2, 10) });
    const revoker = new InMemorySessionRevoker({ clock });
    const held = new Set<string>();
    const sessions = new Map<string, { entitlement: Entitlement; issuedAt: Instant }>();
    return Promise.resolve({
      revoker,
      now: () => clock.now(),
      advance: (ms: number) => {
        clock.advance(ms);
      },
      grant: (e: Entitlement) => {
        held.add(entitlementKey(e));
        return Promise.resolve();
      },
      remove: (e: Entitlement) => {
        held.delete(entitlementKey(e));
        return Promise.resolve(clock.now());
      },
      issue: (e: Entitlement) => {
        if (!held.has(entitlementKey(e))) throw new Error('no access: no session');
        const id = `s-${String(sessions.size + 1)}`;
        sessions.set(id, { entitlement: e, issuedAt: clock.now() });
        return Promise.resolve(id);
      },
      allowed: (id: string) => {
        const session = sessions.get(id);
        if (!session) throw new Error(`no session ${id}`);
        return Promise.resolve(!revoker.isDenied(session.entitlement, session.issuedAt));
      },
    });
  },
});
