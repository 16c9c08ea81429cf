// What `jit check` reports: findings of posture rules, each rule with a stable id, the
// reason it matters and the fix.
import type { JitConfig } from '../config/index.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  /** Where in the config, e.g. `roles.prod-admin` or `permissionSets.AdminAccess`. */
  readonly resource: string;
  readonly message: string;
}

export interface CheckRule {
  /** Stable: `JIT001`…; documented in docs/check.md. */
  readonly id: string;
  /** Short kebab-case name. */
  readonly name: string;
  readonly title: string;
  /** Why it matters (shown with each finding, and in the SARIF rule's help). */
  readonly why: string;
  readonly fix: string;
  /** The severity the rule reports with unless a finding says otherwise. */
  readonly severity: Severity;
  readonly evaluate: (config: JitConfig) => readonly Finding[];
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}
