// The contract every ActivationRevoker must pass: the in-memory one, and Entra PIM for Groups
// through Graph against the Entra emulator. It lists what one person holds in each group
// asked, in order (eligibilities and assignments, nobody else's; nothing for a person the
// source does not know), removes one holding so that it is gone at the next read, takes a
// second removal of the same holding as done, and reports a holding through a group without
// removing it (that would take it from the whole group).
import { describe, expect, it } from 'vitest';
import type { PimHolding } from '../../src/core/user-revocation.js';
import type {
  ActivationRevoker,
  SourceGroupRef,
  SourceHoldings,
} from '../../src/ports/activation-revoker.js';

export interface ActivationRevokerWorld {
  readonly revoker: ActivationRevoker;
  /** Gives `principal` (a person by principal id, or the fixture's member group by name) an
   *  eligibility or assignment of `group`. */
  give(group: string, principal: string, kind: PimHolding['kind']): Promise<void>;
  cleanup?(): Promise<void>;
}

export interface ActivationRevokerContractOptions {
  readonly create: () => Promise<ActivationRevokerWorld>;
  readonly fixtures: {
    /** Two managed groups, as the config names them. */
    readonly groups: readonly [string, string];
    /** Two people, by principal id. */
    readonly users: readonly [string, string];
    /** A group whose members include users[0] (and not users[1]). */
    readonly memberGroup: string;
    /** A principal id the source does not know. */
    readonly stranger: string;
  };
}

function ok(result: SourceHoldings | undefined): Extract<SourceHoldings, { ok: true }> {
  if (result?.ok !== true) throw new Error(`expected holdings, got ${JSON.stringify(result)}`);
  return result;
}

export function runActivationRevokerContract(
  name: string,
  options: ActivationRevokerContractOptions,
): void {
  const { groups, users, memberGroup, stranger } = options.fixtures;
  const refs: SourceGroupRef[] = [
    { role: 'first', group: groups[0] },
    { role: 'second', group: groups[1] },
  ];

  async function inWorld(test: (world: ActivationRevokerWorld) => Promise<void>): Promise<void> {
    const world = await options.create();
    try {
      await test(world);
    } finally {
      await world.cleanup?.();
    }
  }

  const kinds = (result: SourceHoldings | undefined): string[] =>
    ok(result)
      .holdings.map((h) => `${h.role}:${h.kind}${h.viaGroup === undefined ? '' : ':via'}`)
      .sort();

  describe(`ActivationRevoker contract: ${name}`, () => {
    it('lists the person’s eligibilities and assignments per group, in order, and nobody else’s', () =>
      inWorld(async (w) => {
        await w.give(groups[0], users[0], 'eligibility');
        await w.give(groups[0], users[0], 'assignment');
        await w.give(groups[1], users[0], 'eligibility');
        await w.give(groups[1], users[1], 'eligibility');
        const [first, second] = await w.revoker.holdings(users[0], refs);
        expect(ok(first).group).toEqual(refs[0]);
        expect(kinds(first)).toEqual(['first:assignment', 'first:eligibility']);
        expect(kinds(second)).toEqual(['second:eligibility']);
        for (const h of ok(first).holdings) expect(h.groupId).not.toBe('');
        const strangers = await w.revoker.holdings(stranger, refs);
        expect(strangers.map((r) => ok(r).holdings)).toEqual([[], []]);
      }));

    it('removes a holding, so that the next read no longer has it; removing it again is done', () =>
      inWorld(async (w) => {
        await w.give(groups[0], users[0], 'eligibility');
        await w.give(groups[0], users[0], 'assignment');
        await w.give(groups[0], users[1], 'eligibility');
        const [before] = await w.revoker.holdings(users[0], [refs[0]!]);
        for (const holding of ok(before).holdings) {
          expect((await w.revoker.remove(holding, 'INC-42')).state).toBe('done');
        }
        const [after] = await w.revoker.holdings(users[0], [refs[0]!]);
        expect(ok(after).holdings).toEqual([]);
        const again = ok(before).holdings[0]!;
        expect((await w.revoker.remove(again, 'INC-42')).state).toBe('done');
        const [other] = await w.revoker.holdings(users[1], [refs[0]!]);
        expect(kinds(other)).toEqual(['first:eligibility']);
      }));

    it('reports a holding through a group with the group, and does not remove it', () =>
      inWorld(async (w) => {
        await w.give(groups[0], memberGroup, 'eligibility');
        const [through] = await w.revoker.holdings(users[0], [refs[0]!]);
        const [holding] = ok(through).holdings;
        expect(holding?.viaGroup).toBe(memberGroup);
        expect((await w.revoker.remove(holding!, 'INC-42')).state).toBe('failed');
        const [still] = await w.revoker.holdings(users[0], [refs[0]!]);
        expect(kinds(still)).toEqual(['first:eligibility:via']);
        const [outsider] = await w.revoker.holdings(users[1], [refs[0]!]);
        expect(ok(outsider).holdings).toEqual([]);
      }));
  });
}
