// Makes Entra PIM hold what the config declares for roles with `source: entra-pim`: the
// PIM group, its activation policy (maximum duration, justification, ticket, MFA, approval
// and approvers) and an eligibility for each eligible member. It is how `npm start` seeds the
// Entra emulator, through the same read, plan and apply as `jit apply` (entra-plan.ts),
// without pruning.
import type { JitConfig } from '../config/index.js';
import { EntraApplier, planEntra, readEntraState } from './entra-plan.js';
import type { GraphWriter } from './entra-pim-rules.js';

export type { GraphWriter } from './entra-pim-rules.js';
export { desiredRules } from './entra-pim-rules.js';

export interface ApplyEntraPimOptions {
  readonly config: JitConfig;
  readonly graph: GraphWriter;
  readonly now: () => number;
}

export interface ApplyEntraPimResult {
  /** PIM group object ids by role name. */
  readonly groups: ReadonlyMap<string, string>;
  readonly changed: readonly string[];
}

export async function applyEntraPim(options: ApplyEntraPimOptions): Promise<ApplyEntraPimResult> {
  const state = await readEntraState(options.config, options.graph);
  const blocking = state.problems.filter((p) => !p.includes(': note: '));
  if (blocking.length > 0) throw new Error(blocking.join('; '));
  const applier = new EntraApplier(options.graph, options.now);
  const changed: string[] = [];
  for (const change of planEntra(state, { prune: false })) {
    await applier.apply(change);
    changed.push(
      change.type === 'entra-group'
        ? `${change.role}: group ${change.name}`
        : change.type === 'pim-rule'
          ? `${change.role}: PIM rule ${change.ruleId}`
          : `${change.role}: eligibility of ${change.principal}`,
    );
  }
  const groups = new Map<string, string>();
  for (const r of state.roles) groups.set(r.role, r.groupId ?? (await applier.groupId(r.group)));
  return { groups, changed };
}
