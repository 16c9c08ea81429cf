import { describe, expect, it } from 'vitest';
import { failureFromError } from './identity-center-errors.js';

function awsError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

describe('failureFromError', () => {
  it('makes throttling retryable and honours RetryAfterSeconds', () => {
    const failure = failureFromError(
      awsError('ThrottlingException', 400, { RetryAfterSeconds: 3 }),
      'CreateGroupMembership',
    );
    expect(failure).toMatchObject({
      state: 'failed',
      retryable: true,
      code: 'ThrottlingException',
      retryAfterMs: 3000,
    });
    expect(failure.message).toContain('CreateGroupMembership');
  });

  it('leaves retryAfterMs out when AWS gives no hint', () => {
    const failure = failureFromError(awsError('ThrottlingException', 400), 'GetUserId');
    expect(failure.retryAfterMs).toBeUndefined();
  });

  it.each([
    ['InternalServerException', 500],
    ['ServiceUnavailableException', 503],
    ['ConflictException', 409],
    ['ExpiredTokenException', 400],
  ])('makes %s retryable', (name, status) => {
    expect(failureFromError(awsError(name, status), 'CreateAccountAssignment')).toMatchObject({
      retryable: true,
      code: name,
    });
  });

  it.each([
    ['AccessDeniedException', 403, 'broker role'],
    ['ValidationException', 400, 'check the configured'],
    ['ResourceNotFoundException', 404, 'does not exist'],
    ['ServiceQuotaExceededException', 402, 'quota'],
    ['UnrecognizedClientException', 400, 'credentials'],
  ])('makes %s permanent, with what to fix', (name, status, hint) => {
    const failure = failureFromError(awsError(name, status), 'CreateAccountAssignment');
    expect(failure).toMatchObject({ retryable: false, code: name });
    expect(failure.message).toContain(hint);
  });

  it('treats an error without any HTTP answer as a retryable network failure', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
      $metadata: { attempts: 3 },
    });
    expect(failureFromError(refused, 'GetUserId')).toMatchObject({
      retryable: true,
      code: 'ECONNREFUSED',
    });
  });

  it('never repeats an access key id or a signature from the AWS message', () => {
    const leaked = awsError('AccessDeniedException', 403, {
      message:
        'User AKIAABCDEFGHIJKLMNOP with Credential=AKIAABCDEFGHIJKLMNOP/20240101 is not allowed',
    });
    const failure = failureFromError(leaked, 'DeleteGroupMembership');
    expect(failure.message).not.toContain('AKIAABCDEFGHIJKLMNOP');
    const signature = awsError('InvalidSignatureException', 403, {
      message:
        "The request signature we calculated does not match. The String-to-Sign should have been 'AWS4-HMAC-SHA256 secret-ish'",
    });
    expect(failureFromError(signature, 'GetUserId').message).not.toContain('String-to-Sign');
  });

  it('does not throw for values that are not errors', () => {
    expect(failureFromError('boom', 'GetGroupId')).toMatchObject({
      state: 'failed',
      retryable: true,
    });
  });
});
