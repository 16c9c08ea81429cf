import { ListInstancesCommand, SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { describe, expect, it } from 'vitest';
import type { CallOutcome, Metrics } from '../../ports/metrics.js';
import { noMetrics } from '../../ports/metrics.js';
import { addCallMetricsMiddleware, outcomeOf } from './call-metrics-middleware.js';

describe('outcomeOf', () => {
  it('tells throttling apart by name or HTTP 429, and calls anything else an error', () => {
    expect(outcomeOf({ name: 'ThrottlingException' })).toBe('throttled');
    expect(outcomeOf({ name: 'TooManyRequestsException' })).toBe('throttled');
    expect(outcomeOf({ name: 'Whatever', $metadata: { httpStatusCode: 429 } })).toBe('throttled');
    expect(outcomeOf({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } })).toBe(
      'error',
    );
    expect(outcomeOf(new Error('socket hang up'))).toBe('error');
    expect(outcomeOf('a string')).toBe('error');
  });
});

describe('addCallMetricsMiddleware', () => {
  it('counts every attempt the SDK makes, its own retries included, by operation', async () => {
    const calls: [string, string, CallOutcome][] = [];
    const metrics: Metrics = {
      ...noMetrics,
      cloudCall: (api, operation, outcome) => calls.push([api, operation, outcome]),
    };
    let attempts = 0;
    const client = new SSOAdminClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' },
      maxAttempts: 3,
      requestHandler: {
        handle: () => {
          attempts += 1;
          const throttled = attempts < 3;
          const body = throttled
            ? '{"__type":"ThrottlingException","message":"slow down"}'
            : '{"Instances":[]}';
          return Promise.resolve({
            response: {
              statusCode: throttled ? 400 : 200,
              headers: { 'content-type': 'application/x-amz-json-1.1' },
              body: new Blob([body]).stream(),
            },
          });
        },
      },
    });
    addCallMetricsMiddleware(client, 'sso-admin', metrics);
    await client.send(new ListInstancesCommand({}));
    expect(calls).toEqual([
      ['sso-admin', 'ListInstances', 'throttled'],
      ['sso-admin', 'ListInstances', 'throttled'],
      ['sso-admin', 'ListInstances', 'ok'],
    ]);
  });
});
