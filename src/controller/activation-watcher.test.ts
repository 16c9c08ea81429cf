import { describe, expect, it, vi } from 'vitest';
import type { ActivationSource, SourceGroupSnapshot } from '../ports/activation-source.js';
import { silentLogger } from '../ports/logger.js';
import type { MirrorOutcome, PimMirror } from './pim-mirror.js';
import { ActivationWatcher } from './activation-watcher.js';

function fakes(leader: boolean, poll?: () => Promise<readonly SourceGroupSnapshot[]>) {
  const snapshots: SourceGroupSnapshot[] = [
    { ok: true, group: 'G', groupId: 'id', activations: [], unresolved: [] },
  ];
  const pollSpy = vi.fn(poll ?? (() => Promise.resolve(snapshots)));
  const source: ActivationSource = { kind: 'entra-pim', poll: pollSpy };
  const outcome: MirrorOutcome = {
    role: 'r',
    group: 'G',
    ok: true,
    created: 1,
    updated: 0,
    revoked: 0,
    unresolved: 0,
  };
  const syncSpy = vi.fn(() => Promise.resolve([outcome]));
  const mirror = {
    groups: ['G'],
    sync: syncSpy,
    endOrphans: () => Promise.resolve(0),
  } as unknown as PimMirror;
  const watcher = new ActivationWatcher({
    wallClock: { now: () => 0 },
    source,
    mirror,
    isLeader: () => leader,
    logger: silentLogger,
    intervalMs: 60_000,
  });
  return { pollSpy, syncSpy, watcher, snapshots };
}

describe('ActivationWatcher', () => {
  it('polls the mirror groups and hands the snapshots to the mirror', async () => {
    const { pollSpy, syncSpy, watcher, snapshots } = fakes(true);
    const outcomes = await watcher.pollNow();
    expect(pollSpy).toHaveBeenCalledWith(['G']);
    expect(syncSpy).toHaveBeenCalledWith(snapshots, expect.any(Function));
    expect(outcomes).toHaveLength(1);
  });

  it('does nothing when this process does not lead', async () => {
    const { pollSpy, watcher } = fakes(false);
    expect(await watcher.pollNow()).toEqual([]);
    expect(pollSpy).not.toHaveBeenCalled();
  });

  it('survives a source that throws, and polls again later', async () => {
    let calls = 0;
    const { watcher } = fakes(true, () => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('socket hang up')) : Promise.resolve([]);
    });
    expect(await watcher.pollNow()).toEqual([]);
    await watcher.pollNow();
    expect(calls).toBe(2);
  });

  it('serialises concurrent polls', async () => {
    let inFlight = 0;
    let most = 0;
    const { watcher } = fakes(true, async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return [];
    });
    await Promise.all([watcher.pollNow(), watcher.pollNow(), watcher.pollNow()]);
    expect(most).toBe(1);
  });

  it('starts polling at once and stops cleanly', async () => {
    const { pollSpy, watcher } = fakes(true);
    watcher.start();
    await vi.waitFor(() => {
      expect(pollSpy).toHaveBeenCalled();
    });
    await watcher.stop();
  });
});
