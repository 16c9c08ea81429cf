// Acceptance: a server killed at the worst moments converges on restart, and says why.
import { afterEach, describe, expect, it } from 'vitest';
import { readHoldings } from '../../src/adapters/local/file-access-target.js';
import { JitServer, Workspace, runJit } from '../support/jit-process.js';
import { acceptanceConfig } from '../support/test-config.js';

interface AuditLine {
  action: string;
  grantId?: string;
  reason?: string;
}

let ws: Workspace | undefined;
let servers: JitServer[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  servers = [];
  await ws?.dispose();
});

async function start(
  workspace: Workspace,
  options: Parameters<typeof JitServer.start>[1] = {},
): Promise<JitServer> {
  const server = await JitServer.start(workspace, options);
  servers.push(server);
  return server;
}

async function requestAndApprove(server: JitServer): Promise<string> {
  const alice = await server.token('alice');
  const bob = await server.token('bob');
  const requested = await server.post<{ grant: { id: string } }>(
    '/v1/requests',
    { role: 'prod-admin', duration: 'PT1H', justification: 'INC-7' },
    alice,
  );
  expect(requested.status).toBe(201);
  const id = requested.body.grant.id;
  // The approval may race the crash: its answer may never arrive, which is fine.
  await server.post(`/v1/grants/${id}/approve`, {}, bob).catch(() => undefined);
  return id;
}

async function auditOf(workspace: Workspace, grantId: string): Promise<AuditLine[]> {
  const exported = await runJit(
    ['audit', 'export', '--config', workspace.configPath],
    {},
    workspace.dir,
  );
  expect(exported.code).toBe(0);
  return exported.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditLine)
    .filter((e) => e.grantId === grantId);
}

const twoHoursLater = (): string => new Date(Date.now() + 2 * 3_600_000).toISOString();
const aliceInGroup = {
  kind: 'group-membership',
  group: 'JIT-prod-admin',
  user: 'alice@example.com',
};

describe('crash safety', () => {
  it('converges after a SIGKILL between the target call and the store write', async () => {
    ws = await Workspace.create(acceptanceConfig);
    const doomed = await start(ws, { env: { JIT_TEST_CRASH_AT: 'controller.after-target-grant' } });
    const id = await requestAndApprove(doomed);
    expect(await doomed.exited()).toBeNull(); // killed by a signal, not an orderly exit
    expect(doomed.process.signalCode).toBe('SIGKILL');
    expect(readHoldings(ws.targetPath)).toContainEqual(aliceInGroup);
    expect((await auditOf(ws, id)).map((e) => e.action)).not.toContain('target.granted');

    // Restart with the clock past the grant's end: the first pass, before the server even
    // listens, expires the grant and removes the access it finds.
    await start(ws, { clock: twoHoursLater() });
    expect(readHoldings(ws.targetPath)).toEqual([]);
    const audit = await auditOf(ws, id);
    expect(audit.map((e) => e.action)).toEqual([
      'grant.requested',
      'grant.pending_approval',
      'grant.activated',
      'grant.expired',
      'target.revoked',
      'sessions.not_revoked',
    ]);
    const removal = audit.find((e) => e.action === 'target.revoked');
    expect(removal?.reason).toContain(`grant ${id} expired`);
    const verify = await runJit(['audit', 'verify', '--config', ws.configPath], {}, ws.dir);
    expect(verify.code).toBe(0);
  });

  it('removes access on restart after a SIGKILL while a grant is active', async () => {
    ws = await Workspace.create(acceptanceConfig);
    const first = await start(ws);
    const id = await requestAndApprove(first);
    await first.reconcile();
    expect(readHoldings(ws.targetPath)).toContainEqual(aliceInGroup);
    await first.kill('SIGKILL');

    await start(ws, { clock: twoHoursLater() });
    expect(readHoldings(ws.targetPath)).toEqual([]);
    const audit = await auditOf(ws, id);
    expect(audit.map((e) => e.action)).toEqual([
      'grant.requested',
      'grant.pending_approval',
      'grant.activated',
      'target.granted',
      'grant.expired',
      'target.revoked',
      'sessions.not_revoked',
    ]);
    expect(audit.find((e) => e.action === 'grant.expired')?.reason).toMatch(
      /reached its end .* ago/,
    );
  });

  it('keeps access for a grant still active when the server comes back in time', async () => {
    ws = await Workspace.create(acceptanceConfig);
    const first = await start(ws);
    await requestAndApprove(first);
    await first.reconcile();
    await first.kill('SIGKILL');
    await start(ws);
    expect(readHoldings(ws.targetPath)).toContainEqual(aliceInGroup);
  });
});
