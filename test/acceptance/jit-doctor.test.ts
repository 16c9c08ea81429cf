// Acceptance (live mode): `jit doctor` as a process against the emulators standing in for an
// organisation and a tenant, configured as a deployment is. All checks pass; with one AWS
// action denied, or one Graph application permission taken away, exactly that row fails
// with its fix and the exit code is 1; `jit serve` refuses to start when a critical check
// fails and starts (with a warning) when only a non-critical one does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxApplicationPermissions } from '../../src/emulators/entra/graph-permissions.js';
import { JitServer, runJit, type CliResult } from '../support/jit-process.js';
import { LiveWorld } from '../support/live-world.js';

let world: LiveWorld;
let env: Record<string, string>;

interface Row {
  readonly id: string;
  readonly status: 'ok' | 'missing' | 'skipped';
  readonly detail: string;
  readonly fix?: string;
  readonly critical: boolean;
}

beforeAll(async () => {
  world = await LiveWorld.start();
  env = world.env();
}, 60_000);

afterAll(async () => {
  await world.close();
});

function doctor(...flags: string[]): Promise<CliResult> {
  return runJit(['doctor', '--config', world.ws.configPath, ...flags], env, world.ws.dir);
}

async function rows(): Promise<{ code: number; ok: boolean; checks: Row[] }> {
  const result = await doctor('--json');
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: Row[] };
  return { code: result.code, ...report };
}

describe('jit doctor against the emulators', () => {
  it('passes every check, read-only, and prints a table', async () => {
    const before = world.identityCenter.emulator.calls().operations;
    const report = await rows();
    expect(report.code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.map((row) => row.id)).toEqual([
      'aws.credentials',
      'aws.identity-center',
      'aws.permission-set:AdminAccess',
      'aws.permission-set:DbAdmin',
      'aws.group:JIT-prod-admin',
      'aws.group:JIT-Prod-PIM',
      'aws.read-memberships',
      'aws.read-assignments',
      'aws.organization',
      'aws.accounts',
      'aws.revocation-scp',
      'entra.token',
      'entra.users',
      'entra.group:JIT-Prod-PIM',
      'entra.pim-assignments',
      'oidc.discovery',
      'database',
    ]);
    expect(report.checks.every((row) => row.status === 'ok')).toBe(true);
    expect(report.checks.find((row) => row.id === 'aws.credentials')?.detail).toBe(
      'arn:aws:sts::999999999999:assumed-role/jit-controller/jit-access in account 999999999999',
    );
    // Read-only: no write reached Identity Center or Organizations.
    const after = world.identityCenter.emulator.calls().operations;
    const written = Object.keys(after).filter(
      (op) =>
        /^(Create|Delete|Put|Attach|Detach|Update|Provision)/.test(op) &&
        (after[op]?.calls ?? 0) !== (before[op]?.calls ?? 0),
    );
    expect(written).toEqual([]);

    const table = await doctor();
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/CHECK\s+│\s+STATUS/);
    expect(table.stdout).toMatch(/all 17 checks passed/);
  }, 60_000);

  it('fails exactly the row of an AWS action answered AccessDenied, with the action to allow', async () => {
    world.identityCenter.emulator.faults.set('ListAccountAssignments', {
      errorRate: 1,
      errorKind: 'AccessDeniedException',
    });
    try {
      const report = await rows();
      expect(report.code).toBe(1);
      const failed = report.checks.filter((row) => row.status !== 'ok');
      expect(failed.map((row) => row.id)).toEqual(['aws.read-assignments']);
      expect(failed[0]?.fix).toBe("allow sso:ListAccountAssignments to the controller's role");
      const table = await doctor();
      expect(table.code).toBe(1);
      expect(table.stdout).toMatch(/fix: allow sso:ListAccountAssignments/);
      expect(table.stderr).toMatch(/1 of 17 checks did not pass/);
    } finally {
      world.identityCenter.emulator.faults.set('ListAccountAssignments', null);
    }
  }, 60_000);

  it('fails exactly the row of a Graph permission the app lacks, with the permission to grant', async () => {
    world.entra.emulator.setApplicationPermissions(
      sandboxApplicationPermissions.filter((p) => !p.startsWith('PrivilegedAssignmentSchedule')),
    );
    try {
      const report = await rows();
      expect(report.code).toBe(1);
      const failed = report.checks.filter((row) => row.status !== 'ok');
      expect(failed.map((row) => row.id)).toEqual(['entra.pim-assignments']);
      expect(failed[0]?.fix).toBe(
        'grant the app registration the Microsoft Graph application permission PrivilegedAssignmentSchedule.Read.AzureADGroup and give admin consent',
      );
    } finally {
      world.entra.emulator.setApplicationPermissions(sandboxApplicationPermissions);
    }
  }, 60_000);

  it('makes jit serve refuse to start on a critical failure, naming it and its fix', async () => {
    world.identityCenter.emulator.faults.set('GetGroupId', {
      errorRate: 1,
      errorKind: 'AccessDeniedException',
    });
    try {
      const result = await runJit(
        ['serve', '--config', world.ws.configPath, '--port', String(world.port)],
        env,
        world.ws.dir,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/refusing to start in live mode: 3 check\(s\) failed/);
      expect(result.stderr).toMatch(/Identity Center group JIT-prod-admin/);
      expect(result.stderr).toMatch(/fix: allow identitystore:GetGroupId/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      world.identityCenter.emulator.faults.set('GetGroupId', null);
    }
  }, 60_000);

  it('lets jit serve start when only a non-critical check fails, and logs it', async () => {
    world.entra.emulator.setApplicationPermissions(
      sandboxApplicationPermissions.filter((p) => !p.startsWith('PrivilegedAssignmentSchedule')),
    );
    let server: JitServer | undefined;
    try {
      server = await JitServer.start(world.ws, { live: { port: world.port }, env });
      expect((await server.get<{ mode: string }>('/healthz')).body.mode).toBe('live');
      expect(server.stderr).toMatch(/PrivilegedAssignmentSchedule\.Read\.AzureADGroup/);
    } finally {
      await server?.stop();
      world.entra.emulator.setApplicationPermissions(sandboxApplicationPermissions);
    }
  }, 60_000);

  it('refuses a sandbox config, since the sandbox needs no setup', async () => {
    const result = await runJit(['doctor', '--config', 'examples/jit.config.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is mode: sandbox; jit doctor checks a live config/);
  });
});
