// `jit check` on a config: every rule's findings, sorted worst first, and the access windows.
import type { CheckSuppression, JitConfig } from '../config/config.js';
import { accessWindows, type AccessWindow } from './access-window.js';
import { CONFIG_RULES } from './config-rules.js';
import { SEVERITIES, type CheckRule, type Finding } from './finding.js';

export interface SuppressedFinding {
  readonly finding: Finding;
  readonly reason: string;
}

export interface CheckReport {
  readonly rules: readonly CheckRule[];
  /** What is not suppressed: these count for --fail-on. */
  readonly findings: readonly Finding[];
  /** Accepted in the config's check.suppress, with the reason. */
  readonly suppressed: readonly SuppressedFinding[];
  /** Suppressions that matched no finding (a rule fixed, or a resource renamed). */
  readonly unusedSuppressions: readonly CheckSuppression[];
  readonly windows: readonly AccessWindow[];
}

export function checkConfig(
  config: JitConfig,
  rules: readonly CheckRule[] = CONFIG_RULES,
): CheckReport {
  const findings = rules
    .flatMap((rule) => rule.evaluate(config))
    .sort(
      (a, b) =>
        SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) ||
        a.rule.localeCompare(b.rule) ||
        a.resource.localeCompare(b.resource),
    );
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
    rules,
    findings: kept,
    suppressed,
    unusedSuppressions: suppressions.filter((s) => !used.has(s)),
    windows: accessWindows(config),
  };
}
