import { describe, expect, it } from 'vitest';
import { emfDocuments, startEmfWriter } from './emf-writer.js';
import { PrometheusMetrics } from './prometheus-metrics.js';

describe('CloudWatch embedded metric format', () => {
  it('writes one document per metric and label set: counters as they are, histograms as count and sum', async () => {
    const metrics = new PrometheusMetrics({ isLeader: () => true }, { processMetrics: false });
    metrics.cloudCall('sso-admin', 'CreateAccountAssignment', 'throttled', 0.2);
    metrics.accessLanded(1.5);
    const documents = await emfDocuments(metrics.registry, 'JitAccess', 1_800_000_000_000);
    const calls = documents.find((d) => 'jit_cloud_calls_total' in d);
    expect(calls).toEqual({
      _aws: {
        Timestamp: 1_800_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'JitAccess',
            Dimensions: [['api', 'operation', 'outcome']],
            Metrics: [{ Name: 'jit_cloud_calls_total', Unit: 'Count' }],
          },
        ],
      },
      api: 'sso-admin',
      operation: 'CreateAccountAssignment',
      outcome: 'throttled',
      jit_cloud_calls_total: 1,
    });
    const names = documents.flatMap((d) => Object.keys(d).filter((k) => k.startsWith('jit_')));
    expect(names).toContain('jit_access_landed_seconds_count');
    expect(names).toContain('jit_access_landed_seconds_sum');
    expect(names).not.toContain('jit_access_landed_seconds_bucket');
    expect(documents.find((d) => 'jit_controller_leader' in d)?.['jit_controller_leader']).toBe(1);
  });

  it('writes every interval and once more at stop', async () => {
    const metrics = new PrometheusMetrics({}, { processMetrics: false });
    const lines: string[] = [];
    const writer = startEmfWriter({
      registry: metrics.registry,
      namespace: 'JitAccess',
      intervalMs: 60_000,
      write: (line) => lines.push(line),
    });
    await writer.stop();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('_aws.CloudWatchMetrics');
  });
});
