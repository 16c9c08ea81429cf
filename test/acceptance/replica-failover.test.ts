// Acceptance (replicas): three `jit serve` processes on one PostgreSQL database. The API works
// on all of them; only the lease holder runs the controller. The leader is killed with
// SIGKILL in the middle of an expiry pass (after its first removal in Identity Center,
// before it records it), ten times: each time another replica takes over, no grant is
// activated or granted twice, no end is missed, and the audit chain, appended to by several
// writers, still verifies.
import { afterEach, describe, expect, it } from 'vitest';
import { readHoldings } from '../../src/adapters/local/file-access-target.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { JitServer, Workspace, runJit } from '../support/jit-process.js';
import { acceptanceConfig } from '../support/test-config.js';

const REPETITIONS = Number(process.env['JIT_FAILOVER_REPETITIONS'] ?? 10);
const GRANTS = 4;

interface AuditLine {
  action: string;
  grantId?: string;
}

let ws: Workspace | undefined;
let database: TestDatabase | undefined;
let servers: JitServer[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  servers = [];
  await ws?.dispose();
  await database?.drop();
});

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 40_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function isLeader(server: JitServer): Promise<boolean> {
  const alice = await server.token('alice');
  const status = await server.get<{ leader: boolean }>('/v1/controller', alice);
  return status.body.leader;
}

const pgUp = await postgresAvailable();

describe('replica failover on PostgreSQL', () => {
  it.skipIf(!pgUp)(
    `a replica takes over from a leader killed mid-pass (${REPETITIONS} times, 3 processes)`,
    async () => {
      database = await createTestDatabase();
      ws = await Workspace.create(acceptanceConfig);
      const env = { DATABASE_URL: database.url };
      let now = Date.now();
      const all: string[] = [];
      const takeovers: number[] = [];

      for (let rep = 0; rep < REPETITIONS; rep += 1) {
        const clock = new Date(now).toISOString();
        // The doomed leader starts first, alone, so it takes the lease; it crashes itself at
        // its first removal. Then two replicas that are not armed.
        const doomed = await JitServer.start(ws, {
          clock,
          env: { ...env, JIT_TEST_CRASH_AT: 'controller.after-target-revoke' },
        });
        servers.push(doomed);
        await until('the doomed server to lead', async () =>
          (await isLeader(doomed)) ? true : undefined,
        );
        const replicas = await Promise.all([
          JitServer.start(ws, { clock, env }),
          JitServer.start(ws, { clock, env }),
        ]);
        servers.push(...replicas);
        const [front] = replicas;

        // Requests and approvals through a replica: the API does not need the lease.
        const alice = await front.token('alice');
        const bob = await front.token('bob');
        const ids: string[] = [];
        for (let i = 0; i < GRANTS; i += 1) {
          const requested = await front.post<{ grant: { id: string } }>(
            '/v1/requests',
            { role: 'prod-admin', duration: 'PT1H', justification: `failover ${rep}.${i}` },
            alice,
          );
          expect(requested.status).toBe(201);
          const approved = await front.post<{ action?: string }>(
            `/v1/grants/${requested.body.grant.id}/approve`,
            {},
            bob,
          );
          expect(approved.body.action).toBe('grant.activated');
          ids.push(requested.body.grant.id);
        }
        all.push(...ids);
        await until('the leader to grant access', () =>
          Promise.resolve(readHoldings(ws!.targetPath).length === 1 ? true : undefined),
        );

        // Past the end everywhere, the leader last: its pass expires the grants and dies
        // right after its first removal in the target.
        now += 61 * 60_000;
        const later = new Date(now).toISOString();
        for (const replica of replicas) await replica.setClock(later);
        await doomed.setClock(later).catch(() => undefined); // it may die before answering
        const exit = await Promise.race([
          doomed.exited(),
          new Promise<string>((resolve) => {
            setTimeout(() => {
              resolve('still running');
            }, 30_000);
          }),
        ]);
        expect(exit, `the leader did not crash mid-pass:\n${doomed.stderr}`).toBeNull();
        expect(doomed.process.signalCode).toBe('SIGKILL');
        const killedAt = Date.now();

        const leaders = await until('a replica to take over', async () => {
          const leading = await Promise.all(replicas.map(isLeader));
          return leading.some(Boolean) ? leading : undefined;
        });
        takeovers.push(Date.now() - killedAt);
        expect(leaders.filter(Boolean)).toHaveLength(1);
        await until('every grant to end', async () => {
          const states = await Promise.all(
            ids.map((id) => front.get<{ status: string }>(`/v1/grants/${id}`, alice)),
          );
          return states.every((s) => s.body.status === 'expired') ? true : undefined;
        });
        await until('the access to be gone', () =>
          Promise.resolve(readHoldings(ws!.targetPath).length === 0 ? true : undefined),
        );
        await Promise.all(replicas.map((r) => r.stop()));
        servers = [];
      }

      const exported = await runJit(['audit', 'export', '--config', ws.configPath], env, ws.dir);
      expect(exported.code, exported.stderr).toBe(0);
      const entries = exported.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as AuditLine);
      for (const id of all) {
        const actions = entries.filter((e) => e.grantId === id).map((e) => e.action);
        expect(
          actions.filter((a) => a === 'grant.activated'),
          id,
        ).toHaveLength(1);
        expect(
          actions.filter((a) => a === 'grant.expired'),
          id,
        ).toHaveLength(1);
      }
      // One membership (alice in the role's group) per repetition, granted once. Its removal
      // was made by the leader that died before recording it: the replica finds it gone and
      // has nothing to remove (the target above is empty), so there is no removal entry.
      const memberships = entries.filter((e) => e.action === 'target.granted');
      expect(memberships.length).toBe(REPETITIONS);
      expect(entries.filter((e) => e.action === 'target.revoked')).toEqual([]);
      const verify = await runJit(['audit', 'verify', '--config', ws.configPath], env, ws.dir);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      console.log(
        JSON.stringify({
          failover: {
            repetitions: REPETITIONS,
            takeoverMs: { max: Math.max(...takeovers), min: Math.min(...takeovers) },
          },
        }),
      );
    },
    600_000,
  );
});
