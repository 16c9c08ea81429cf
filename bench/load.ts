// A small loopback load generator: keep-alive HTTP/1.1, fixed concurrency, fixed duration.
import { Agent, request } from 'node:http';

export interface LoadOptions {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  /** Headers, or a function giving them per request (e.g. rotating users). */
  readonly headers?: Record<string, string> | (() => Record<string, string>);
  /** A body per request (called each time, so bodies can differ). */
  readonly body?: () => string;
  readonly concurrency: number;
  readonly durationMs: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL(options.url);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const body = options.body?.();
      const t0 = performance.now();
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method: options.method,
          headers: {
            ...(typeof options.headers === 'function' ? options.headers() : options.headers),
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 400) errors += 1;
            latencies.push(performance.now() - t0);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      if (body !== undefined) req.write(body);
      req.end();
    });

  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) await one();
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (q: number): number =>
    Number(
      (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2),
    );
  return {
    requests: latencies.length,
    errors,
    seconds: Number(seconds.toFixed(2)),
    requestsPerSecond: Math.round(latencies.length / seconds),
    latencyMs: { p50: pick(0.5), p99: pick(0.99) },
  };
}
