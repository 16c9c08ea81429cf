// An ActivationRevoker held in memory: PIM eligibilities and assignments per managed group,
// some held through a group. The stand-in for Entra PIM in tests, held to the same contract.
import type { PimHolding } from '../../core/user-revocation.js';
import type {
  ActivationRevoker,
  SourceGroupRef,
  SourceHoldings,
  SourceRemoval,
} from '../../ports/activation-revoker.js';

interface Held {
  readonly group: string;
  readonly kind: PimHolding['kind'];
  /** The principal the source holds it for: a person, or a group name. */
  readonly principal: string;
  readonly instanceId: string;
}

export class InMemoryActivationRevoker implements ActivationRevoker {
  readonly kind = 'entra-pim';
  readonly #held: Held[] = [];
  /** Members of groups that are PIM principals, by group name. */
  readonly #members = new Map<string, readonly string[]>();
  readonly #failing = new Set<string>();
  #next = 1;
  /** Calls per operation, for tests. */
  readonly calls = { holdings: 0, remove: 0 };

  /** Gives `principal` (a person, or a group made with `group`) an eligibility or an
   *  assignment of `group`. */
  give(group: string, principal: string, kind: PimHolding['kind']): void {
    this.#held.push({ group, kind, principal, instanceId: `pim-${String(this.#next++)}` });
  }

  /** Makes `name` a group whose members hold what it is given. */
  group(name: string, members: readonly string[]): void {
    this.#members.set(name, members);
  }

  /** Makes reading `group` fail (true) or work again (false). */
  fail(group: string, failing: boolean): void {
    if (failing) this.#failing.add(group);
    else this.#failing.delete(group);
  }

  /** What the source holds, for tests: `group/kind/principal`. */
  snapshot(): string[] {
    return this.#held.map((h) => `${h.group}/${h.kind}/${h.principal}`).sort();
  }

  holdings(
    principal: string,
    groups: readonly SourceGroupRef[],
  ): Promise<readonly SourceHoldings[]> {
    this.calls.holdings += 1;
    return Promise.resolve(
      groups.map((ref): SourceHoldings => {
        if (this.#failing.has(ref.group))
          return { ok: false, group: ref, error: `reading ${ref.group} failed (injected)` };
        const holdings = this.#held.flatMap((h): PimHolding[] => {
          if (h.group !== ref.group) return [];
          const through = this.#members.get(h.principal);
          if (h.principal !== principal && !(through?.includes(principal) ?? false)) return [];
          return [
            {
              role: ref.role,
              group: ref.group,
              groupId: `id-${ref.group}`,
              kind: h.kind,
              principalId: h.principal,
              instanceId: h.instanceId,
              ...(h.principal === principal ? {} : { viaGroup: h.principal }),
            },
          ];
        });
        return { ok: true, group: ref, holdings };
      }),
    );
  }

  remove(holding: PimHolding, _justification: string): Promise<SourceRemoval> {
    this.calls.remove += 1;
    if (holding.viaGroup !== undefined) {
      return Promise.resolve({
        state: 'failed',
        message: `held through group ${holding.viaGroup}; removing it would remove everyone in that group`,
      });
    }
    const index = this.#held.findIndex((h) => h.instanceId === holding.instanceId);
    if (index === -1)
      return Promise.resolve({ state: 'done', detail: `the ${holding.kind} was already gone` });
    this.#held.splice(index, 1);
    return Promise.resolve({ state: 'done', detail: `removed the ${holding.kind}` });
  }
}
