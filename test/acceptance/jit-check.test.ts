// Acceptance (jit check): the example config passes at the default threshold; a deliberately
// weak one fails with exit 1 and its findings; SARIF goes to stdout or a file; bad flags are
// invalid input (exit 2).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runJit } from '../support/jit-process.js';

const WEAK = `mode: sandbox
permissionSets:
  Admin:
    sessionDuration: PT8H
    managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess]
roles:
  admin:
    group: JIT-Admin
    permissionSet: Admin
    accounts: ['111111111111']
    activation: { maxDuration: PT1H, approval: { required: false } }
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com }
`;

describe('jit check', () => {
  it('passes the example config at the default threshold, with the access windows', async () => {
    const result = await runJit(['check', '--config', 'examples/jit.config.yaml']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('WORST CASE, CONTROLLER UP');
    const strict = await runJit([
      'check',
      '--config',
      'examples/jit.config.yaml',
      '--fail-on',
      'medium',
    ]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/finding\(s\) at or above medium/);
  });

  it('fails a weak config with exit 1, --json and SARIF naming the rules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jit-check-'));
    const config = join(dir, 'weak.yaml');
    await writeFile(config, WEAK);
    const json = await runJit(['--json', 'check', '--config', config]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { findings: { rule: string; severity: string }[] };
    expect(report.findings.map((f) => `${f.rule} ${f.severity}`)).toEqual([
      'JIT001 high',
      'JIT003 high',
      'JIT002 low',
    ]);

    const sarifFile = join(dir, 'check.sarif');
    const written = await runJit([
      'check',
      '--config',
      config,
      '--sarif',
      sarifFile,
      '--fail-on',
      'none',
    ]);
    expect(written.code).toBe(0);
    const sarif = JSON.parse(await readFile(sarifFile, 'utf8')) as {
      version: string;
      runs: { results: unknown[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results).toHaveLength(3);

    const piped = await runJit(['check', '--config', config, '--sarif', '-', '--fail-on', 'none']);
    expect((JSON.parse(piped.stdout) as { version: string }).version).toBe('2.1.0');
  });

  it('refuses an unknown --fail-on with exit 2', async () => {
    const result = await runJit([
      'check',
      '--config',
      'examples/jit.config.yaml',
      '--fail-on',
      'severe',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/fail-on/);
  });
});
