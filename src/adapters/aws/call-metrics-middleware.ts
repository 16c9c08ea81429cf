// Counts and times every HTTP attempt an AWS SDK v3 client makes, by operation and outcome
// (ok, throttled, error), for `/metrics`. It sits in the finalizeRequest step below the SDK's
// retry middleware, so the SDK's own retries are attempts too: a burst of throttles shows
// even when the retries succeed.
import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';
import type { CallOutcome, CloudApi, Metrics } from '../../ports/metrics.js';

export const CALL_METRICS_MIDDLEWARE_NAME = 'jitCallMetrics';

/** Error names AWS uses for rate limiting (the SDK's own list, narrowed to these APIs). */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
]);

/** Adds the middleware to `client` (adding it twice replaces it). */
export function addCallMetricsMiddleware<Input extends object, Output extends object>(
  client: { readonly middlewareStack: MiddlewareStack<Input, Output> },
  api: CloudApi,
  metrics: Metrics,
  now: () => number = () => performance.now(),
): void {
  const middleware: FinalizeRequestMiddleware<Input, Output> = (next, context) => async (args) => {
    const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
    const started = now();
    try {
      const result = await next(args);
      metrics.cloudCall(api, operation, 'ok', (now() - started) / 1000);
      return result;
    } catch (error) {
      metrics.cloudCall(api, operation, outcomeOf(error), (now() - started) / 1000);
      throw error;
    }
  };
  client.middlewareStack.add(middleware, {
    step: 'finalizeRequest',
    priority: 'low',
    name: CALL_METRICS_MIDDLEWARE_NAME,
    override: true,
  });
}

/** Throttled when AWS says so by name or by HTTP 429; any other failure is an error. */
export function outcomeOf(error: unknown): CallOutcome {
  if (typeof error !== 'object' || error === null) return 'error';
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof name === 'string' && THROTTLING.has(name)) return 'throttled';
  return $metadata?.httpStatusCode === 429 ? 'throttled' : 'error';
}
