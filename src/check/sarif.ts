// The report as SARIF 2.1.0, for code-scanning tools (GitHub, Azure DevOps, IDEs); typed by
// @types/sarif, the SARIF 2.1.0 object model. Each rule's compliance controls go in its
// property bag twice: as `tags` (the form GitHub code scanning filters on, e.g. `SOC2:CC6.1`)
// and as structured `controls`.
import type { Log, Result } from 'sarif';
import { controlTags } from './controls.js';
import type { CheckReport } from './run-check.js';
import type { Finding, Severity } from './finding.js';

const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};

export function toSarif(report: CheckReport, configUri: string, version: string): Log {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'jit check',
            version,
            rules: report.rules.map((rule) => ({
              id: rule.id,
              name: rule.name,
              shortDescription: { text: rule.title },
              fullDescription: { text: rule.why },
              help: { text: `${rule.why}. Fix: ${rule.fix}.` },
              defaultConfiguration: { level: LEVEL[rule.severity] },
              properties: {
                tags: ['security', ...controlTags(rule.controls)],
                severity: rule.severity,
                controls: rule.controls,
              },
            })),
          },
        },
        // Live rules that could not look are said, not hidden: SARIF's tool notifications.
        ...(report.notChecked.length === 0
          ? {}
          : {
              invocations: [
                {
                  executionSuccessful: true,
                  toolExecutionNotifications: report.notChecked.map((n) => ({
                    level: 'warning' as const,
                    message: {
                      text: `${n.rule} ${n.partly ? 'checked in part' : 'not checked'}: ${n.reason}`,
                    },
                    associatedRule: {
                      id: n.rule,
                      index: report.rules.findIndex((rule) => rule.id === n.rule),
                    },
                  })),
                },
              ],
            }),
        results: [
          ...report.findings.map((finding) => sarifResult(report, configUri, finding)),
          // Accepted in the config's check.suppress.
          ...report.suppressed.map(({ finding, reason }) =>
            sarifResult(report, configUri, finding, reason),
          ),
        ],
      },
    ],
  };
}

/** One finding as a SARIF result; a suppressed one carries its reason. */
function sarifResult(
  report: CheckReport,
  configUri: string,
  finding: Finding,
  suppressedBecause?: string,
): Result {
  return {
    ruleId: finding.rule,
    ruleIndex: report.rules.findIndex((rule) => rule.id === finding.rule),
    level: LEVEL[finding.severity],
    message: { text: finding.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: configUri } },
        logicalLocations: [{ fullyQualifiedName: finding.resource, kind: 'member' }],
      },
    ],
    properties: { severity: finding.severity },
    ...(suppressedBecause === undefined
      ? {}
      : { suppressions: [{ kind: 'external', justification: suppressedBecause }] }),
  };
}
