// `jit check` on a config: every rule's findings, sorted worst first, and the access windows.
import type { JitConfig } from '../config/index.js';
import { accessWindows, type AccessWindow } from './access-window.js';
import { CONFIG_RULES } from './config-rules.js';
import { SEVERITIES, type CheckRule, type Finding } from './finding.js';

export interface CheckReport {
  readonly rules: readonly CheckRule[];
  readonly findings: readonly Finding[];
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
  return { rules, findings, windows: accessWindows(config) };
}
