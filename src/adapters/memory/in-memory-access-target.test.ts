import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAccessTargetContract } from '../../../test/contracts/access-target-contract.js';
import { SettableClock } from '../../ports/clock.js';
import { FileAccessTarget } from '../local/file-access-target.js';
import { InMemoryAccessTarget } from './in-memory-access-target.js';

const clock = new SettableClock({ fixed: 1_000 });

runAccessTargetContract('in-memory, synchronous', {
  create: () => Promise.resolve({ target: new InMemoryAccessTarget({ clock }) }),
});

runAccessTargetContract('in-memory, asynchronous (3 polls)', {
  create: () => Promise.resolve({ target: new InMemoryAccessTarget({ clock, pendingPolls: 3 }) }),
});

runAccessTargetContract('sandbox file', {
  create: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jit-target-'));
    return {
      target: new FileAccessTarget({ path: join(dir, 'target.json'), clock }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});

describe('FileAccessTarget', () => {
  it('comes back with what it held after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jit-target-'));
    const path = join(dir, 'target.json');
    const first = new FileAccessTarget({ path, clock });
    await first.grant({ kind: 'group-membership', group: 'g', user: 'u' });
    const second = new FileAccessTarget({ path, clock });
    expect(second.snapshot()).toEqual([{ kind: 'group-membership', group: 'g', user: 'u' }]);
    await rm(dir, { recursive: true, force: true });
  });
});
