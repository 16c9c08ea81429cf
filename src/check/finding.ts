// What `jit check` reports: findings of posture rules, each rule with a stable id, the
// reason it matters, the fix, and the compliance controls it evidences. Config rules read
// the config alone; live rules also read a snapshot of the clouds (live-snapshot.ts).
import type { JitConfig } from '../config/index.js';
import type { ControlMapping } from './controls.js';
import type { LiveSnapshot } from './live-snapshot.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  /** Where in the config, e.g. `roles.prod-admin` or `permissionSets.AdminAccess`. */
  readonly resource: string;
  readonly message: string;
}

/** What every rule says about itself (docs/check.md, --json, SARIF). */
export interface RuleInfo {
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
  /** The compliance controls a finding of this rule is evidence about. */
  readonly controls: ControlMapping;
}

/** A rule on the config alone (pure: no I/O, no clock). */
export interface CheckRule extends RuleInfo {
  readonly evaluate: (config: JitConfig) => readonly Finding[];
}

/** What a live rule found, or why it could not look (a part of the snapshot it needs was
 *  not read): never silently nothing. */
export type LiveOutcome =
  | {
      readonly checked: true;
      readonly findings: readonly Finding[];
      /** What part it could not look at, when it looked at the rest. */
      readonly partly?: string;
    }
  | { readonly checked: false; readonly reason: string };

/** A rule on the config and the live state read once (pure over the snapshot). */
export interface LiveRule extends RuleInfo {
  readonly evaluate: (config: JitConfig, live: LiveSnapshot) => LiveOutcome;
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}

/** A finding of `rule`, at the rule's severity unless given. */
export function findingOf(
  rule: RuleInfo,
  resource: string,
  message: string,
  severity?: Severity,
): Finding {
  return { rule: rule.id, severity: severity ?? rule.severity, resource, message };
}
