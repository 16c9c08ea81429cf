import { runActivationSourceContract } from '../../../test/contracts/activation-source-contract.js';
import { SettableClock } from '../../ports/clock.js';
import { InMemoryActivationSource } from './in-memory-activation-source.js';

runActivationSourceContract('in-memory', {
  fixtures: {
    groups: ['JIT-prod-admin', 'JIT-dev-admin'],
    users: ['alice@example.com', 'bob@example.com'],
    unknownGroup: 'JIT-nobody',
  },
  create: () => {
    const clock = new SettableClock({ fixed: Date.UTC(2026, 11, 2, 10) });
    const source = new InMemoryActivationSource({
      clock,
      groups: ['JIT-prod-admin', 'JIT-dev-admin'],
    });
    return Promise.resolve({
      source,
      now: () => clock.now(),
      advance: (ms: number) => {
        clock.advance(ms);
      },
      assign: (group: string, user: string, durationMs?: number) => {
        source.activate(group, user, durationMs);
        return Promise.resolve();
      },
      remove: (group: string, user: string) => {
        source.deactivate(group, user);
        return Promise.resolve();
      },
    });
  },
});
