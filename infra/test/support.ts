// Synthesises the CDK app for a variant of the example settings (each synth takes seconds:
// tests share them through `synthesized`).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { checkDeployment, type LoadedDeployment } from '../lib/deploy-settings.js';
import { buildJitApp, type JitApp } from '../lib/jit-app.js';

export const REPO_ROOT = join(import.meta.dirname, '../..');
export const EXAMPLE_SETTINGS = join(REPO_ROOT, 'infra/examples/jit.deploy.example.yaml');
const LIVE_CONFIG = join(REPO_ROOT, 'examples/jit.live.config.yaml');

export interface Variant {
  /** Edits of the settings document (parsed YAML). */
  readonly settings?: (settings: Record<string, unknown>) => void;
  /** Text replacements in the product config. */
  readonly config?: readonly (readonly [string, string])[];
}

export interface Synthesized {
  readonly built: JitApp;
  readonly deployment: LoadedDeployment;
  readonly controller: Template;
  readonly organization: Template;
  readonly controllerJson: TemplateJson;
  readonly organizationJson: TemplateJson;
  /** The cdk-nag findings not acknowledged (empty when synth succeeded). */
  readonly findings: readonly string[];
  /** Errors and warnings the constructs reported (a look-up the CLI would need AWS for,
   *  a trail without its organisation id…). */
  readonly annotations: readonly string[];
  readonly ms: number;
  readonly outdir: string;
}

export interface TemplateJson {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** The example deployment with a variant's edits: the settings and config as files. */
export function variantDeployment(variant: Variant = {}): LoadedDeployment {
  const dir = mkdtempSync(join(tmpdir(), 'jit-infra-'));
  let config = readFileSync(LIVE_CONFIG, 'utf8');
  for (const [from, to] of variant.config ?? []) {
    if (!config.includes(from)) throw new Error(`the live example has no ${JSON.stringify(from)}`);
    config = config.replace(from, to);
  }
  writeFileSync(join(dir, 'jit.config.yaml'), config);
  const settings = parse(readFileSync(EXAMPLE_SETTINGS, 'utf8')) as Record<string, unknown>;
  settings['config'] = 'jit.config.yaml';
  variant.settings?.(settings);
  return checkDeployment(settings, dir, 'jit.deploy.yaml');
}

export function synthesize(variant: Variant = {}): Synthesized {
  const started = Date.now();
  const deployment = variantDeployment(variant);
  const outdir = mkdtempSync(join(tmpdir(), 'jit-cdk-out-'));
  const built = buildJitApp(deployment, { repoRoot: REPO_ROOT, outdir });
  let findings: string[] = [];
  try {
    built.app.synth();
  } catch {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: {
        violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
      }[];
    };
    findings = report.pluginReports.flatMap((r) =>
      r.violations.flatMap((v) =>
        v.violatingConstructs.map((c) => `${c.constructPath}: ${v.ruleName}`),
      ),
    );
  }
  const read = (stack: string): TemplateJson =>
    JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8')) as TemplateJson;
  const annotations = ['JitAccessController', 'JitAccessOrganization'].flatMap((stack) => {
    const metadata = JSON.parse(
      readFileSync(join(outdir, `${stack}.metadata.json`), 'utf8'),
    ) as Record<string, { type: string; data: unknown }[]>;
    return Object.entries(metadata).flatMap(([path, entries]) =>
      entries
        .filter((e) => e.type === 'aws:cdk:error' || e.type === 'aws:cdk:warning')
        .map((e) => `${path}: ${e.type}: ${JSON.stringify(e.data)}`),
    );
  });
  // A context look-up (availability zones, an AMI…) is AWS the CLI would need credentials for.
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
    missing?: { key: string }[];
  };
  annotations.push(...(manifest.missing ?? []).map((m) => `context look-up: ${m.key}`));
  const controllerJson = read('JitAccessController');
  const organizationJson = read('JitAccessOrganization');
  return {
    built,
    deployment,
    controller: Template.fromJSON(controllerJson),
    organization: Template.fromJSON(organizationJson),
    controllerJson,
    organizationJson,
    findings,
    annotations,
    ms: Date.now() - started,
    outdir,
  };
}

/** The example runs the controller in a tooling account assuming a role in the management
 *  account; this variant runs it in the management account itself, on Aurora, with an
 *  existing trail, open to any network, and a provisioner role. */
export const SAME_ACCOUNT: Variant = {
  config: [
    [
      '  roleArn: arn:aws:iam::999999999999:role/jit/jit-access-controller\n  externalId: jit-access\n',
      '',
    ],
    [
      '# provisionerRoleArn: arn:aws:iam::999999999999:role/jit-access-provisioner   # jit plan/apply assume this',
      'provisionerRoleArn: arn:aws:iam::999999999999:role/jit-access-provisioner',
    ],
  ],
  settings: (s) => {
    const controller = s['controller'] as Record<string, unknown>;
    controller['account'] = '999999999999';
    controller['certificateArn'] =
      'arn:aws:acm:eu-west-1:999999999999:certificate/0f1e2d3c-4b5a-4697-8877-665544332211';
    controller['database'] = { engine: 'aurora-serverless' };
    controller['allowedCidrs'] = ['0.0.0.0/0'];
    const organization = s['organization'] as Record<string, unknown>;
    organization['cloudTrail'] = { logGroupName: 'aws-controltower/CloudTrailLogs' };
  },
};

export const SINGLE_NODE: Variant = {
  settings: (s) => {
    (s['controller'] as Record<string, unknown>)['variant'] = 'singleNode';
  },
};
