// API throughput on loopback: creating requests and listing grants, beside a bare Fastify
// route served by the same (separate) process in the same run.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runLoad, type LoadResult } from './load.js';

export async function apiBench(
  options: { durationMs?: number; concurrency?: number } = {},
): Promise<Record<string, unknown>> {
  const durationMs = options.durationMs ?? 5_000;
  const concurrency = options.concurrency ?? 16;
  const child = spawn(process.execPath, [join(import.meta.dirname, 'api-server.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const info = await new Promise<{ appUrl: string; bareUrl: string; tokens: string[] }>(
      (resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split('\n')[0];
          if (out.includes('\n') && line)
            resolve(JSON.parse(line) as { appUrl: string; bareUrl: string; tokens: string[] });
        });
        child.on('exit', (code) => {
          reject(new Error(`bench server exited ${String(code)}`));
        });
      },
    );
    // Requests and listings rotate over the bench's users, as a real population would.
    let next = 0;
    const auth = (): Record<string, string> => {
      next = (next + 1) % info.tokens.length;
      return { authorization: `Bearer ${info.tokens[next] ?? ''}` };
    };
    const run = (name: string, result: LoadResult) => ({ name, ...result });
    const bareGet = run(
      'bare GET',
      await runLoad({ url: `${info.bareUrl}/bare`, method: 'GET', concurrency, durationMs }),
    );
    const create = run(
      'POST /v1/requests',
      await runLoad({
        url: `${info.appUrl}/v1/requests`,
        method: 'POST',
        headers: auth,
        concurrency,
        durationMs,
        body: () => JSON.stringify({ role: 'ops', duration: 'PT1H', justification: 'benchmark' }),
      }),
    );
    const list = run(
      'GET /v1/grants?limit=50',
      await runLoad({
        url: `${info.appUrl}/v1/grants?limit=50`,
        method: 'GET',
        headers: auth,
        concurrency,
        durationMs,
      }),
    );
    const barePost = run(
      'bare POST',
      await runLoad({
        url: `${info.bareUrl}/bare`,
        method: 'POST',
        concurrency,
        durationMs,
        body: () => '{"a":1}',
      }),
    );
    return {
      benchmark: 'api-throughput',
      concurrency,
      users: info.tokens.length,
      secondsPerRoute: durationMs / 1000,
      store: 'sqlite',
      routes: [bareGet, barePost, create, list],
      ratioToBare: {
        createRequests: Number((create.requestsPerSecond / barePost.requestsPerSecond).toFixed(3)),
        listGrants: Number((list.requestsPerSecond / bareGet.requestsPerSecond).toFixed(3)),
      },
    };
  } finally {
    // SIGINT: the server exits normally, so `--cpu-prof` (NODE_OPTIONS) writes its profile.
    child.kill('SIGINT');
  }
}
