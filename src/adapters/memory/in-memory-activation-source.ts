// An ActivationSource held in memory: managed groups, their holders and their ends, on an
// injected clock. The stand-in for Entra PIM in tests, held to the same contract.
import type { Instant } from '../../core/grant.js';
import type {
  ActivationSource,
  SourceActivation,
  SourceGroupSnapshot,
} from '../../ports/activation-source.js';
import type { Clock } from '../../ports/clock.js';

interface Holding {
  readonly instanceId: string;
  readonly principal: string;
  readonly startsAt: Instant;
  readonly endsAt?: Instant;
}

export class InMemoryActivationSource implements ActivationSource {
  readonly kind = 'entra-pim';
  readonly #clock: Clock;
  readonly #groups = new Map<string, Holding[]>();
  readonly #failing = new Set<string>();
  #next = 1;

  constructor(options: { readonly clock: Clock; readonly groups: readonly string[] }) {
    this.#clock = options.clock;
    for (const group of options.groups) this.#groups.set(group, []);
  }

  /** Makes `principal` hold `group` from now, for `durationMs` (undefined: for good). */
  activate(group: string, principal: string, durationMs?: number): void {
    const holders = this.#holders(group);
    const startsAt = this.#clock.now();
    holders.push({
      instanceId: `i-${String(this.#next++)}`,
      principal,
      startsAt,
      ...(durationMs === undefined ? {} : { endsAt: startsAt + durationMs }),
    });
  }

  deactivate(group: string, principal: string): void {
    const holders = this.#holders(group);
    this.#groups.set(
      group,
      holders.filter((h) => h.principal !== principal),
    );
  }

  /** Makes polls of `group` fail (true) or succeed again (false). */
  fail(group: string, failing: boolean): void {
    if (failing) this.#failing.add(group);
    else this.#failing.delete(group);
  }

  poll(groups: readonly string[]): Promise<readonly SourceGroupSnapshot[]> {
    const now = this.#clock.now();
    return Promise.resolve(
      groups.map((group): SourceGroupSnapshot => {
        const holders = this.#groups.get(group);
        if (holders === undefined) {
          return { ok: false, group, error: `no managed group ${group}` };
        }
        if (this.#failing.has(group)) {
          return { ok: false, group, error: `reading ${group} failed` };
        }
        const activations: SourceActivation[] = holders
          .filter((h) => h.startsAt <= now && (h.endsAt === undefined || now < h.endsAt))
          .map((h) => ({
            key: `${h.instanceId}/${h.principal}`,
            instanceId: h.instanceId,
            userId: h.principal,
            principal: h.principal,
            startsAt: h.startsAt,
            ...(h.endsAt === undefined ? {} : { endsAt: h.endsAt }),
            assignmentType: 'assigned',
          }));
        return { ok: true, group, groupId: `group-${group}`, activations, unresolved: [] };
      }),
    );
  }

  #holders(group: string): Holding[] {
    const holders = this.#groups.get(group);
    if (holders === undefined) throw new Error(`no managed group ${group}`);
    return holders;
  }
}
