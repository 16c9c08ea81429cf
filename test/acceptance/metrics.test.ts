// Acceptance: `GET /metrics` of a real `jit serve` (sandbox, the Identity Center emulator
// through the real AWS SDK adapter), scraped over HTTP and parsed with a Prometheus
// text-format parser: the families are there, and they move when a grant lands and ends.
// And the scrape is guarded: with JIT_METRICS_TOKEN set, only a scraper sending it gets in.
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JitServer, Workspace } from '../support/jit-process.js';
import { acceptanceConfig } from '../support/test-config.js';

let ws: Workspace;
let server: JitServer;

beforeAll(async () => {
  ws = await Workspace.create(acceptanceConfig);
  server = await JitServer.start(ws, { target: 'identity-center' });
}, 60_000);

afterAll(async () => {
  await server.stop();
  await ws.dispose();
});

interface Scrape extends Map<string, ParsedFamily> {
  readonly text: string;
}

async function scrape(url = server.url, token?: string): Promise<Scrape> {
  const response = await fetch(new URL('/metrics', url), {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const text = await response.text();
  const families = parsePrometheusTextFormat(text);
  return Object.assign(new Map(families.map((family) => [family.name, family])), { text });
}

/**
 * The `_count` of one labelled histogram series. The parser merges a histogram's series
 * into one when they carry labels besides `le` (it only knows unlabelled histograms), so
 * these are read from the exposition's own `name_count{labels} value` lines.
 */
function seriesCount(scraped: Scrape, name: string, labels: Record<string, string>): number {
  for (const line of scraped.text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match?.[1] !== `${name}_count`) continue;
    const found: Record<string, string | undefined> = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m): [string, string] => [
        m[1] ?? '',
        m[2] ?? '',
      ]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return 0;
}

function value(families: Scrape, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  const sample = family?.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  return Number(sample?.count ?? sample?.value ?? 0);
}

/** The sum over all samples of a counter whose labels match. */
function total(families: Scrape, name: string, labels: Record<string, string>): number {
  return (families.get(name)?.metrics ?? [])
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? 0), 0);
}

describe('GET /metrics', () => {
  it('exposes every family, parsed by a Prometheus text-format parser', async () => {
    const families = await scrape();
    for (const [name, type] of [
      ['jit_grants', 'GAUGE'],
      ['jit_revocations_open', 'GAUGE'],
      ['jit_controller_leader', 'GAUGE'],
      ['jit_access_landed_seconds', 'HISTOGRAM'],
      ['jit_access_removed_seconds', 'HISTOGRAM'],
      ['jit_sessions_denied_seconds', 'HISTOGRAM'],
      ['jit_reconcile_pass_seconds', 'HISTOGRAM'],
      ['jit_reconcile_errors_total', 'COUNTER'],
      ['jit_drift_total', 'COUNTER'],
      ['jit_cloud_calls_total', 'COUNTER'],
      ['jit_cloud_call_seconds', 'HISTOGRAM'],
      ['jit_http_request_seconds', 'HISTOGRAM'],
      ['jit_process_cpu_seconds_total', 'COUNTER'],
    ] as const) {
      expect(families.get(name)?.type, name).toBe(type);
    }
    expect(value(families, 'jit_controller_leader')).toBe(1);
    // Starting up provisioned the emulator and ran a pass: AWS calls by operation.
    expect(
      total(families, 'jit_cloud_calls_total', { api: 'identitystore', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(value(families, 'jit_reconcile_pass_seconds')).toBeGreaterThan(0);
  });

  it('moves when a grant lands and ends: states, latency histograms, calls, requests', async () => {
    const before = await scrape();
    const alice = await server.token('alice');
    const bob = await server.token('bob');
    const { body } = await server.post<{ grant: { id: string } }>(
      '/v1/requests',
      { role: 'prod-admin', justification: 'INC-9' },
      alice,
    );
    await server.post(`/v1/grants/${body.grant.id}/approve`, {}, bob);
    await server.reconcile();
    const active = await scrape();
    expect(value(active, 'jit_grants', { state: 'active' })).toBe(1);
    expect(value(active, 'jit_access_landed_seconds')).toBe(
      value(before, 'jit_access_landed_seconds') + 1,
    );
    expect(
      total(active, 'jit_cloud_calls_total', { operation: 'CreateGroupMembership' }),
    ).toBeGreaterThan(
      total(before, 'jit_cloud_calls_total', { operation: 'CreateGroupMembership' }),
    );
    expect(
      seriesCount(active, 'jit_http_request_seconds', {
        method: 'POST',
        route: '/v1/requests',
        status: '201',
      }),
    ).toBe(1);

    await server.post(`/v1/grants/${body.grant.id}/revoke`, { reason: 'done' }, alice);
    await server.reconcile();
    const ended = await scrape();
    expect(value(ended, 'jit_grants', { state: 'active' })).toBe(0);
    expect(value(ended, 'jit_grants', { state: 'revoked' })).toBe(1);
    expect(seriesCount(ended, 'jit_access_removed_seconds', { why: 'ended' })).toBe(
      seriesCount(active, 'jit_access_removed_seconds', { why: 'ended' }) + 1,
    );
    expect(value(ended, 'jit_sessions_denied_seconds')).toBe(
      value(active, 'jit_sessions_denied_seconds') + 1,
    );
    expect(value(ended, 'jit_revocations_open', { status: 'owed' })).toBe(0);
    // Labels carry route templates, never a grant id.
    expect(seriesCount(ended, 'jit_http_request_seconds', { route: '/v1/grants/:id/revoke' })).toBe(
      1,
    );
    expect(ended.text).not.toContain(body.grant.id);
  });
});

describe('GET /metrics with JIT_METRICS_TOKEN', () => {
  let guarded: JitServer;
  let guardedWs: Workspace;

  beforeAll(async () => {
    guardedWs = await Workspace.create(acceptanceConfig);
    guarded = await JitServer.start(guardedWs, { env: { JIT_METRICS_TOKEN: 'scrape-me-0123' } });
  }, 60_000);

  afterAll(async () => {
    await guarded.stop();
    await guardedWs.dispose();
  });

  it('refuses a scrape without the token or with a wrong one, in problem+json, and serves it with the token', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const response = await fetch(new URL('/metrics', guarded.url), { headers });
      expect(response.status).toBe(401);
      const problem = (await response.json()) as { detail: string };
      expect(problem.detail).toContain('JIT_METRICS_TOKEN');
      expect(problem.detail).not.toContain('scrape-me-0123');
    }
    const families = await scrape(guarded.url, 'scrape-me-0123');
    expect(families.has('jit_grants')).toBe(true);
  });
});
