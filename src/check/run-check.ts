// `jit check` on a config (and, with --live, a snapshot of the clouds): every rule's
// findings, sorted worst first, the suppressed ones apart, the live rules that could not
// look, and the access windows.
import type { CheckSuppression, JitConfig } from '../config/config.js';
import { accessWindows, type AccessWindow } from './access-window.js';
import { CONFIG_RULES } from './config-rules.js';
import {
  SEVERITIES,
  type CheckRule,
  type Finding,
  type LiveRule,
  type RuleInfo,
} from './finding.js';
import { LIVE_RULES } from './live-rules.js';
import type { LiveSnapshot } from './live-snapshot.js';

export interface SuppressedFinding {
  readonly finding: Finding;
  readonly reason: string;
}

/** A live rule that did not look (or looked at part only), and why. */
export interface NotChecked {
  readonly rule: string;
  readonly reason: string;
  /** True when it checked the rest. */
  readonly partly: boolean;
}

export interface CheckReport {
  /** Every rule evaluated: the config rules, and the live rules with --live. */
  readonly rules: readonly RuleInfo[];
  /** What is not suppressed: these count for --fail-on. */
  readonly findings: readonly Finding[];
  /** Accepted in the config's check.suppress, with the reason. */
  readonly suppressed: readonly SuppressedFinding[];
  /** Suppressions that matched no finding (a rule fixed, or a resource renamed). */
  readonly unusedSuppressions: readonly CheckSuppression[];
  /** Live rules that could not look at what they need. */
  readonly notChecked: readonly NotChecked[];
  readonly windows: readonly AccessWindow[];
}

export interface CheckOptions {
  readonly rules?: readonly CheckRule[];
  /** The live state: the live rules run on it. */
  readonly live?: LiveSnapshot;
  readonly liveRules?: readonly LiveRule[];
}

export function checkConfig(config: JitConfig, options: CheckOptions = {}): CheckReport {
  const rules = options.rules ?? CONFIG_RULES;
  const liveRules = options.live === undefined ? [] : (options.liveRules ?? LIVE_RULES);
  const notChecked: NotChecked[] = [];
  const all: Finding[] = rules.flatMap((rule) => rule.evaluate(config));
  const live = options.live;
  if (live !== undefined)
    for (const rule of liveRules) {
      const outcome = rule.evaluate(config, live);
      if (!outcome.checked) {
        notChecked.push({ rule: rule.id, reason: outcome.reason, partly: false });
        continue;
      }
      all.push(...outcome.findings);
      if (outcome.partly !== undefined)
        notChecked.push({ rule: rule.id, reason: outcome.partly, partly: true });
    }
  const findings = all.sort(
    (a, b) =>
      SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) ||
      a.rule.localeCompare(b.rule) ||
      a.resource.localeCompare(b.resource) ||
      a.message.localeCompare(b.message),
  );
  // A suppression of a live rule is not "unused" when that rule did not run (no --live, or
  // it could not look).
  const liveIds = new Set([...LIVE_RULES, ...liveRules].map((r) => r.id));
  const didNotRun = (s: CheckSuppression): boolean =>
    liveIds.has(s.rule) &&
    (live === undefined || notChecked.some((n) => n.rule === s.rule && !n.partly));
  const suppressions = config.check.suppress;
  const used = new Set<CheckSuppression>();
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const finding of findings) {
    const match = suppressions.find(
      (s) =>
        s.rule === finding.rule && (s.resource === undefined || s.resource === finding.resource),
    );
    if (match === undefined) kept.push(finding);
    else {
      used.add(match);
      suppressed.push({ finding, reason: match.reason });
    }
  }
  return {
    rules: [...rules, ...liveRules],
    findings: kept,
    suppressed,
    unusedSuppressions: suppressions.filter((s) => !used.has(s) && !didNotRun(s)),
    notChecked,
    windows: accessWindows(config),
  };
}
