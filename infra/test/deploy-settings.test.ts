// Bad deployment settings, or a config the deployment cannot use, give one clear line each.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeploySettingsError, loadDeployment } from '../lib/deploy-settings.js';
import {
  SAME_ACCOUNT,
  EXAMPLE_SETTINGS,
  REPO_ROOT,
  variantDeployment,
  type Variant,
} from './support.js';

function problems(variant: Variant): readonly string[] {
  try {
    variantDeployment(variant);
  } catch (error) {
    if (error instanceof DeploySettingsError) return error.problems;
    throw error;
  }
  return [];
}

describe('deployment settings', () => {
  it('accepts the example and its variants', () => {
    expect(loadDeployment(EXAMPLE_SETTINGS).settings.controller.tasks).toBe(2);
    expect(problems(SAME_ACCOUNT)).toEqual([]);
  });

  it('names each bad field and what to write', () => {
    expect(
      problems({
        settings: (s) => {
          const c = s['controller'] as Record<string, unknown>;
          c['account'] = 111111111111;
          c['certificateArn'] = 'arn:aws:iam::1:cert';
          c['variant'] = 'cluster';
          c['logRetentionDays'] = 42;
          (s['organization'] as Record<string, unknown>)['boundary'] = { targets: ['o-123'] };
          s['extra'] = true;
        },
      }),
    ).toEqual([
      "jit.deploy.yaml: controller.account: expected a string, got 111111111111; quote it: '111111111111'",
      'jit.deploy.yaml: controller.variant: "cluster" is not allowed; use one of service, singleNode',
      'jit.deploy.yaml: controller.certificateArn: "arn:aws:iam::1:cert" is not an ACM certificate ARN, e.g. arn:aws:acm:eu-west-1:111111111111:certificate/0f1e...',
      'jit.deploy.yaml: controller.logRetentionDays: is not a retention CloudWatch Logs offers; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
      'jit.deploy.yaml: organization.boundary.targets[0]: "o-123" is not a root or OU id; give r-xxxx (every account) or ou-xxxx-yyyyyyyy',
      'jit.deploy.yaml: extra: unknown key; remove it or check its spelling (docs/deploy.md lists the settings)',
    ]);
  });

  it('says what the config must give the deployment', () => {
    const found = problems({
      config: [
        ['    instanceArn: arn:aws:sso:::instance/ssoins-1234567890abcdef\n', ''],
        [
          'roleArn: arn:aws:iam::999999999999:role/jit/jit-access-controller',
          'roleArn: arn:aws:iam::222222222222:role/jit',
        ],
      ],
      settings: (s) => {
        const c = s['controller'] as Record<string, unknown>;
        c['cpu'] = 1024;
        delete (s['organization'] as Record<string, unknown>)['boundary'];
      },
    });
    expect(found, found.join('\n')).toHaveLength(4);
    expect(found[0]).toMatch(/aws.identityCenter: give instanceArn and identityStoreId/);
    expect(found[1]).toMatch(
      /aws.roleArn is in account 222222222222, but organization.account in jit.deploy.yaml is 999999999999/,
    );
    expect(found[2]).toMatch(
      /organization.boundary: the permission sets name \/JitPermissionsBoundary/,
    );
    expect(found[3]).toMatch(/controller.memoryMiB: Fargate runs 1024 CPU units with 2048, /);
    const noRole = problems({
      config: [['  roleArn: arn:aws:iam::999999999999:role/jit/jit-access-controller\n', '']],
    });
    expect(noRole).toEqual([
      expect.stringMatching(
        /aws.roleArn: the controller runs in 111111111111 but Identity Center and Organizations are administered from 999999999999/,
      ),
    ]);
  });

  it("passes the config loader's own errors through", () => {
    const found = problems({ config: [['mode: live', 'mode: nonsense']] });
    expect(found.join('\n')).toMatch(/mode/);
  });

  it('the app prints bad settings as error lines and exits 2, without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-infra-bad-'));
    const settings = join(dir, 'jit.deploy.yaml');
    writeFileSync(settings, 'config: missing.yaml\ncontroller: {}\norganization: {}\n');
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, [join(REPO_ROOT, 'dist/infra/bin/jit-infra.js')], {
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ settings }), CDK_OUTDIR: dir },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const failed = error as { stderr: string; status: number };
      stderr = failed.stderr;
      status = failed.status;
    }
    expect(status).toBe(2);
    expect(stderr).toContain(`error: ${settings}: controller.account: missing; add it (a string)`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('cdk synth (the CLI, through cdk.json and the compiled entry) synthesises the example', () => {
    const out = mkdtempSync(join(tmpdir(), 'jit-cdk-cli-'));
    const cli = join(REPO_ROOT, 'node_modules/aws-cdk/bin/cdk');
    // Exits 0 (execFileSync throws otherwise) with both stacks in the assembly.
    execFileSync(
      process.execPath,
      [
        cli,
        'synth',
        '--no-notices',
        '--quiet',
        '-c',
        'settings=examples/jit.deploy.example.yaml',
        '-o',
        out,
      ],
      {
        cwd: join(REPO_ROOT, 'infra'),
        env: {
          ...process.env,
          CDK_DISABLE_CLI_TELEMETRY: 'true',
          CDK_DISABLE_VERSION_CHECK: 'true',
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string }>;
    };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([id]) => id);
    expect(stacks.sort()).toEqual(['JitAccessController', 'JitAccessOrganization']);
  }, 120_000);
});
