// The compliance controls a `jit check` rule gives evidence for: SOC 2 (the 2017 Trust
// Services Criteria, common criteria), ISO/IEC 27001:2022 Annex A, and the CIS Amazon Web
// Services Foundations Benchmark v3.0.0 where one of its recommendations is about the same
// thing. Only the ids listed here can be named (a typo does not compile), each with the
// control's subject as the framework states it, shortened; docs/check.md shows the mapping.
//
// A finding is evidence that a control is not operating for that resource; no finding is
// evidence (not proof) that it is. Mapping is about subject, not certification: auditors
// decide what a control needs.

/** SOC 2, 2017 Trust Services Criteria (revised points of focus 2022): common criteria. */
export const SOC2_CRITERIA = {
  'CC6.1':
    'logical access security software, infrastructure and architectures over protected information assets',
  'CC6.2':
    'registering and authorising users before access is issued; removing access when no longer authorised',
  'CC6.3':
    'authorising, modifying or removing access by role and responsibility, with least privilege and segregation of duties',
  'CC7.1':
    'detection and monitoring procedures that identify configuration changes introducing vulnerabilities',
  'CC7.2': 'monitoring system components for anomalies indicative of malicious acts or errors',
  'CC8.1': 'changes to infrastructure, data, software and procedures are authorised and controlled',
} as const;

/** ISO/IEC 27001:2022 Annex A controls (the titles of ISO/IEC 27002:2022). */
export const ISO27001_CONTROLS = {
  '5.3': 'Segregation of duties',
  '5.15': 'Access control',
  '5.16': 'Identity management',
  '5.17': 'Authentication information',
  '5.18': 'Access rights',
  '8.2': 'Privileged access rights',
  '8.5': 'Secure authentication',
  '8.9': 'Configuration management',
  '8.15': 'Logging',
  '8.16': 'Monitoring activities',
} as const;

/** CIS Amazon Web Services Foundations Benchmark v3.0.0 recommendations. */
export const CIS_AWS_RECOMMENDATIONS = {
  '1.16': 'Ensure IAM policies that allow full "*:*" administrative privileges are not attached',
} as const;

export type Soc2Criterion = keyof typeof SOC2_CRITERIA;
export type Iso27001Control = keyof typeof ISO27001_CONTROLS;
export type CisAwsRecommendation = keyof typeof CIS_AWS_RECOMMENDATIONS;

/** What a rule evidences, per framework (empty where none applies). */
export interface ControlMapping {
  readonly soc2: readonly Soc2Criterion[];
  readonly iso27001: readonly Iso27001Control[];
  readonly cisAws: readonly CisAwsRecommendation[];
}

/** The framework names as they appear in tags and docs. */
export const FRAMEWORKS = {
  soc2: 'SOC 2 (2017 Trust Services Criteria)',
  iso27001: 'ISO/IEC 27001:2022 Annex A',
  cisAws: 'CIS AWS Foundations Benchmark v3.0.0',
} as const;

/**
 * The mapping as flat tags, the form code-scanning tools filter on: `SOC2:CC6.1`,
 * `ISO27001:2022:A.5.15`, `CIS-AWS:3.0.0:1.16`.
 */
export function controlTags(controls: ControlMapping): string[] {
  return [
    ...controls.soc2.map((id) => `SOC2:${id}`),
    ...controls.iso27001.map((id) => `ISO27001:2022:A.${id}`),
    ...controls.cisAws.map((id) => `CIS-AWS:3.0.0:${id}`),
  ];
}
