import { describe, expect, it } from 'vitest';
import { runActivationRevokerContract } from '../../../test/contracts/activation-revoker-contract.js';
import { InMemoryActivationRevoker } from './in-memory-activation-revoker.js';

runActivationRevokerContract('in-memory', {
  create: () => {
    const revoker = new InMemoryActivationRevoker();
    revoker.group('oncall', ['alice@example.com']);
    return Promise.resolve({
      revoker,
      give: (group, principal, kind) => {
        revoker.give(group, principal, kind);
        return Promise.resolve();
      },
    });
  },
  fixtures: {
    groups: ['JIT-a', 'JIT-b'],
    users: ['alice@example.com', 'bob@example.com'],
    memberGroup: 'oncall',
    stranger: 'nobody@example.com',
  },
});

describe('InMemoryActivationRevoker', () => {
  it('reports a group it was told to fail as unread, and the others as read', async () => {
    const revoker = new InMemoryActivationRevoker();
    revoker.fail('JIT-a', true);
    const [a, b] = await revoker.holdings('alice@example.com', [
      { role: 'a', group: 'JIT-a' },
      { role: 'b', group: 'JIT-b' },
    ]);
    expect(a?.ok).toBe(false);
    expect(b?.ok).toBe(true);
  });
});
