// The contract every ActivationSource must pass: the in-memory one, and Entra PIM for Groups
// through Graph against the Entra emulator. A poll gives one complete snapshot per group
// asked, in order: every current holder with a key that stays the same across polls and
// the end (none for standing access); a holder whose end passed, or who was removed, is
// gone; a group that cannot be read says so on its own, without hiding the others.
import { describe, expect, it } from 'vitest';
import type { ActivationSource, SourceGroupSnapshot } from '../../src/ports/activation-source.js';

export interface ActivationWorld {
  readonly source: ActivationSource;
  now(): number;
  advance(ms: number): void;
  /** Gives `user` the group from now, for `durationMs`, or for good when undefined. */
  assign(group: string, user: string, durationMs?: number): Promise<void>;
  remove(group: string, user: string): Promise<void>;
  cleanup?(): Promise<void>;
}

export interface ActivationSourceContractOptions {
  readonly create: () => Promise<ActivationWorld>;
  readonly fixtures: {
    /** Two managed groups. */
    readonly groups: readonly [string, string];
    /** Two people, by principal id. */
    readonly users: readonly [string, string];
    /** A group name the source does not manage. */
    readonly unknownGroup: string;
  };
}

const HOUR = 3_600_000;

function ok(snapshot: SourceGroupSnapshot | undefined): Extract<SourceGroupSnapshot, { ok: true }> {
  if (snapshot?.ok !== true)
    throw new Error(`expected an ok snapshot, got ${JSON.stringify(snapshot)}`);
  return snapshot;
}

export function runActivationSourceContract(
  name: string,
  options: ActivationSourceContractOptions,
): void {
  const { groups, users, unknownGroup } = options.fixtures;

  async function inWorld(test: (world: ActivationWorld) => Promise<void>): Promise<void> {
    const world = await options.create();
    try {
      await test(world);
    } finally {
      await world.cleanup?.();
    }
  }

  describe(`ActivationSource contract: ${name}`, () => {
    it('reports each holder with its end under a key that stays put, one snapshot per group in order', () =>
      inWorld(async (w) => {
        await w.assign(groups[0], users[0], 2 * HOUR);
        const started = w.now();
        const [first, second] = await w.source.poll([groups[0], groups[1]]);
        expect(ok(first).group).toBe(groups[0]);
        expect(ok(second).group).toBe(groups[1]);
        expect(ok(second).activations).toEqual([]);
        const [holder, ...others] = ok(first).activations;
        expect(others).toEqual([]);
        expect(holder?.principal).toBe(users[0]);
        expect(holder?.endsAt).toBeGreaterThanOrEqual(started + 2 * HOUR - 1_000);
        expect(holder?.endsAt).toBeLessThanOrEqual(started + 2 * HOUR + 1_000);
        w.advance(HOUR);
        const [again] = await w.source.poll([groups[0]]);
        expect(ok(again).activations.map((a) => a.key)).toEqual([holder?.key]);
      }));

    it('drops a holder once the end passes, and one removed early', () =>
      inWorld(async (w) => {
        await w.assign(groups[0], users[0], HOUR);
        await w.assign(groups[0], users[1], 3 * HOUR);
        w.advance(HOUR + 1_000);
        const [later] = await w.source.poll([groups[0]]);
        expect(ok(later).activations.map((a) => a.principal)).toEqual([users[1]]);
        await w.remove(groups[0], users[1]);
        const [emptied] = await w.source.poll([groups[0]]);
        expect(ok(emptied).activations).toEqual([]);
      }));

    it('reports standing access without an end', () =>
      inWorld(async (w) => {
        await w.assign(groups[1], users[1]);
        const [snapshot] = await w.source.poll([groups[1]]);
        const [holder] = ok(snapshot).activations;
        expect(holder?.principal).toBe(users[1]);
        expect(holder?.endsAt).toBeUndefined();
      }));

    it('says so for a group it cannot read, and still reports the others', () =>
      inWorld(async (w) => {
        await w.assign(groups[0], users[0], HOUR);
        const [unknown, known] = await w.source.poll([unknownGroup, groups[0]]);
        expect(unknown).toMatchObject({ ok: false, group: unknownGroup });
        expect(unknown?.ok === false ? unknown.error : '').not.toBe('');
        expect(ok(known).activations.map((a) => a.principal)).toEqual([users[0]]);
      }));
  });
}
