// Puts an IdentityCenterRateLimiter inside an AWS SDK v3 client's middleware stack. It sits
// in the finalizeRequest step below the SDK's retry middleware, so every HTTP attempt
// (the SDK's own retries included) takes a token, and it watches CreateAccountAssignment and
// DescribeAccountAssignmentCreationStatus answers to count outstanding creations.
import type {
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  MiddlewareStack,
} from '@smithy/types';
import type { IdentityCenterRateLimiter } from './identity-center-rate-limiter.js';

/** The name under which the middleware is added (adding it twice replaces it). */
export const RATE_LIMIT_MIDDLEWARE_NAME = 'jitIdentityCenterRateLimit';

/**
 * Adds the rate-limiting middleware to `client`. Share one limiter between the sso-admin and
 * identity store clients: AWS applies one budget to both.
 */
export function addRateLimitMiddleware<Input extends object, Output extends object>(
  client: { readonly middlewareStack: MiddlewareStack<Input, Output> },
  limiter: IdentityCenterRateLimiter,
): void {
  const middleware: FinalizeRequestMiddleware<Input, Output> = (next, context) => async (args) => {
    const operation = operationName(context, args.request);
    const creates = operation === 'CreateAccountAssignment';
    if (creates) await limiter.acquireCreateSlot();
    let result: Awaited<ReturnType<typeof next>>;
    try {
      await limiter.acquire();
      result = await next(args);
    } catch (error) {
      if (creates) limiter.createEnded();
      throw error;
    }
    observe(limiter, operation, result.output);
    return result;
  };
  client.middlewareStack.add(middleware, {
    step: 'finalizeRequest',
    priority: 'low',
    name: RATE_LIMIT_MIDDLEWARE_NAME,
    tags: ['RATE_LIMIT'],
    override: true,
  });
}

function operationName(context: HandlerExecutionContext, request: unknown): string {
  if (context.commandName !== undefined) return context.commandName.replace(/Command$/, '');
  // Fallback: the AWS JSON 1.1 target header, e.g. `SWBExternalService.CreateAccountAssignment`.
  if (typeof request === 'object' && request !== null && 'headers' in request) {
    const headers = (request as { headers: Record<string, string | undefined> }).headers;
    const target = headers['x-amz-target'] ?? headers['X-Amz-Target'];
    if (target !== undefined) return target.slice(target.lastIndexOf('.') + 1);
  }
  return 'unknown';
}

function observe(limiter: IdentityCenterRateLimiter, operation: string, output: unknown): void {
  if (operation === 'CreateAccountAssignment') {
    const status = creationStatus(output);
    if (status?.Status === 'IN_PROGRESS' && status.RequestId !== undefined) {
      limiter.createStarted(status.RequestId);
    } else {
      limiter.createEnded();
    }
  } else if (operation === 'DescribeAccountAssignmentCreationStatus') {
    const status = creationStatus(output);
    if (status?.RequestId !== undefined && status.Status !== 'IN_PROGRESS') {
      limiter.createSettled(status.RequestId);
    }
  }
}

function creationStatus(
  output: unknown,
): { Status?: string | undefined; RequestId?: string | undefined } | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const status = (output as { AccountAssignmentCreationStatus?: unknown })
    .AccountAssignmentCreationStatus;
  if (typeof status !== 'object' || status === null) return undefined;
  const { Status, RequestId } = status as Record<string, unknown>;
  return {
    Status: typeof Status === 'string' ? Status : undefined,
    RequestId: typeof RequestId === 'string' ? RequestId : undefined,
  };
}
