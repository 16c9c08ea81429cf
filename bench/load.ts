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

export interface RateOptions {
  /** Requests go to these in turn (replicas behind a load balancer). */
  readonly urls: readonly string[];
  readonly method: 'GET' | 'POST';
  /** Per request, by its number. */
  readonly headers?: (index: number) => Record<string, string>;
  readonly body?: (index: number) => string;
  /** Requests a second, sent on schedule whether or not earlier ones answered. */
  readonly rate: number;
  readonly durationMs: number;
  /** An answer later than this counts as an error. Default 10 s. */
  readonly timeoutMs?: number;
  /** Told each successful answer's body (e.g. to collect created ids). */
  readonly onBody?: (body: string) => void;
}

export interface RateResult {
  readonly targetRate: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly achievedRate: number;
  /** From when each request was due to be sent (so a server that falls behind shows it:
   *  no coordinated omission), in ms. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

/** Open-loop load at a fixed rate: the schedule, not the answers, decides when to send. */
export async function runRate(options: RateOptions): Promise<RateResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  let errors = 0;
  let ok = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  const send = (index: number, dueAt: number): Promise<void> =>
    new Promise((resolve) => {
      const target = new URL(options.urls[index % options.urls.length] ?? '');
      const body = options.body?.(index);
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method: options.method,
          timeout: timeoutMs,
          headers: {
            ...options.headers?.(index),
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            latencies.push(performance.now() - dueAt);
            if ((res.statusCode ?? 500) >= 400) errors += 1;
            else {
              ok += 1;
              options.onBody?.(text);
            }
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  for (let index = 0; index < total; index += 1) {
    const dueAt = started + index * interval;
    const wait = dueAt - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(send(index, dueAt));
  }
  await Promise.all(inFlight);
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (q: number): number =>
    Number(
      (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1),
    );
  return {
    targetRate: options.rate,
    sent: total,
    ok,
    errors,
    achievedRate: Math.round(ok / seconds),
    latencyMs: { p50: pick(0.5), p99: pick(0.99), max: pick(1) },
  };
}
