// Acceptance: 50 approvals of one request sent at once, 20 times, through two server
// processes sharing one store (SQLite file, then PostgreSQL): exactly one activation each time.
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { JitServer, Workspace, runJit } from '../support/jit-process.js';
import { acceptanceConfig } from '../support/test-config.js';

const RUNS = 20;
const APPROVALS = 50;

interface AuditLine {
  action: string;
  grantId?: string;
}

async function raceApprovals(env: Record<string, string>): Promise<void> {
  const ws = await Workspace.create(acceptanceConfig);
  const servers = await Promise.all([JitServer.start(ws, { env }), JitServer.start(ws, { env })]);
  try {
    const [a, b] = servers;
    const alice = await a.token('alice');
    const bobOnA = await a.token('bob');
    const bobOnB = await b.token('bob');
    const ids: string[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const requested = await a.post<{ grant: { id: string } }>(
        '/v1/requests',
        { role: 'prod-admin', duration: 'PT1H', justification: `race ${run}` },
        alice,
      );
      expect(requested.status).toBe(201);
      const id = requested.body.grant.id;
      ids.push(id);
      const answers = await Promise.all(
        Array.from({ length: APPROVALS }, (_, i) =>
          (i % 2 === 0 ? a : b).post<{ action?: string; code?: string }>(
            `/v1/grants/${id}/approve`,
            {},
            i % 2 === 0 ? bobOnA : bobOnB,
          ),
        ),
      );
      const activated = answers.filter(
        (r) => r.status === 200 && r.body.action === 'grant.activated',
      );
      expect(activated, `run ${run}`).toHaveLength(1);
      for (const refused of answers.filter((r) => r.status !== 200)) {
        expect(refused.status).toBe(409);
        expect(refused.body.code).toBe('ERR_ILLEGAL_TRANSITION');
      }
    }
    const exported = await runJit(['audit', 'export', '--config', ws.configPath], env, ws.dir);
    const entries = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditLine);
    for (const id of ids) {
      expect(
        entries.filter((e) => e.grantId === id && e.action === 'grant.activated'),
        id,
      ).toHaveLength(1);
    }
    const verify = await runJit(['audit', 'verify', '--config', ws.configPath], env, ws.dir);
    expect(verify.code, verify.stderr).toBe(0);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await ws.dispose();
  }
}

const pgUp = await postgresAvailable();

describe('concurrent approvals', () => {
  it(`activate exactly once per request on SQLite (${RUNS} runs × ${APPROVALS} approvals, two servers)`, async () => {
    await raceApprovals({});
  }, 120_000);

  let database: TestDatabase | undefined;
  afterAll(async () => {
    await database?.drop();
  });

  it.skipIf(!pgUp)(
    `activate exactly once per request on PostgreSQL (${RUNS} runs × ${APPROVALS} approvals, two servers)`,
    async () => {
      database = await createTestDatabase();
      await raceApprovals({ DATABASE_URL: database.url });
    },
    120_000,
  );
});
