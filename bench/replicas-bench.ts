// Two `jit serve` replicas on one PostgreSQL database (a database of its own, dropped
// afterwards), under open-loop load at 50, 200 and 1,000 requests a second for creating
// requests, approving them and listing grants, spread over both replicas as a load
// balancer would; then the leader is SIGKILLed and the time until the other replica leads
// is measured, a few times. Needs BENCH_DATABASE_URL.
import { runRate, type RateResult } from './load.js';
import { BENCH_USERS, benchConfig } from './bench-config.js';
import { JitServer, Workspace } from '../test/support/jit-process.js';
import { createTestDatabase } from '../test/support/postgres.js';

const RATES = [50, 200, 1_000] as const;

export async function replicasBench(options: {
  readonly postgresUrl: string;
  readonly durationMs?: number;
  readonly failovers?: number;
}): Promise<Record<string, unknown>> {
  const durationMs = options.durationMs ?? 5_000;
  const database = await createTestDatabase({ url: options.postgresUrl });
  const ws = await Workspace.create((dir) => benchConfig(`${dir}/unused.db`));
  const env = { DATABASE_URL: database.url };
  const replicas: JitServer[] = [];
  try {
    replicas.push(await JitServer.start(ws, { env }), await JitServer.start(ws, { env }));
    const urls = replicas.map((r) => r.url);
    const requesters = await Promise.all(
      Array.from({ length: BENCH_USERS }, (_, i) => replicas[0]!.token(`u${i}`)),
    );
    const approver = await replicas[0]!.token('bob');
    const load: Record<string, RateResult[]> = { request: [], approve: [], list: [] };
    for (const rate of RATES) {
      const created: string[] = [];
      load['request']!.push(
        await runRate({
          urls: urls.map((u) => `${u}/v1/requests`),
          method: 'POST',
          rate,
          durationMs,
          headers: (i) => asUser(i, requesters),
          body: () => JSON.stringify({ role: 'ops', duration: 'PT1H', justification: 'bench' }),
          onBody: (text) => {
            const id = (JSON.parse(text) as { grant?: { id?: string } }).grant?.id;
            if (id !== undefined) created.push(id);
          },
        }),
      );
      // Approve what was just requested, at the same rate (as many as there are).
      load['approve']!.push(
        await runRate({
          // A different grant each time: `/v1/grants/{id}/approve`, replicas in turn.
          urls: created.map((id, i) => `${urls[i % urls.length] ?? ''}/v1/grants/${id}/approve`),
          method: 'POST',
          rate,
          durationMs: (created.length / rate) * 1000,
          headers: (i) => ({ ...asUser(i, requesters), authorization: `Bearer ${approver}` }),
          body: () => '{}',
        }),
      );
      load['list']!.push(
        await runRate({
          urls: urls.map((u) => `${u}/v1/grants?limit=50`),
          method: 'GET',
          rate,
          durationMs,
          headers: (i) => asUser(i, requesters),
        }),
      );
    }
    const takeoverMs: number[] = [];
    for (let round = 0; round < (options.failovers ?? 3); round += 1) {
      const leaderIndex = await leaderOf(replicas);
      const leader = replicas[leaderIndex]!;
      const other = replicas[1 - leaderIndex]!;
      const killedAt = performance.now();
      await leader.kill('SIGKILL');
      await waitUntil(async () => (await isLeader(other)) === true, 60_000);
      takeoverMs.push(Math.round(performance.now() - killedAt));
      replicas[leaderIndex] = await JitServer.start(ws, { env });
    }
    return {
      benchmark: 'replicas',
      replicas: 2,
      store: 'postgres',
      secondsPerStep: durationMs / 1000,
      load,
      failover: { rounds: takeoverMs.length, takeoverMs, leaseTtlMs: 15_000 },
    };
  } finally {
    for (const replica of replicas) await replica.kill('SIGKILL').catch(() => undefined);
    await ws.dispose();
    await database.drop();
  }
}

/** User `i`'s token, from an address of their own behind the load balancer. */
function asUser(i: number, tokens: readonly string[]): Record<string, string> {
  const n = i % tokens.length;
  return {
    authorization: `Bearer ${tokens[n] ?? ''}`,
    'x-forwarded-for': `10.0.${String(Math.floor(n / 250))}.${String((n % 250) + 1)}`,
  };
}

async function isLeader(server: JitServer): Promise<boolean | undefined> {
  try {
    const response = await fetch(new URL('/healthz', server.url));
    return ((await response.json()) as { controllerLeader?: boolean }).controllerLeader;
  } catch {
    return undefined;
  }
}

async function leaderOf(replicas: readonly JitServer[]): Promise<number> {
  let found = -1;
  await waitUntil(async () => {
    for (const [index, replica] of replicas.entries()) {
      if ((await isLeader(replica)) === true) found = index;
    }
    return found >= 0;
  }, 60_000);
  return found;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
