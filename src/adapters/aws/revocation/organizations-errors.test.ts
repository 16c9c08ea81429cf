import { describe, expect, it } from 'vitest';
import { organizationsFailure } from './organizations-errors.js';

function awsError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

const ROOT = 'r-abcd';

describe('organizationsFailure', () => {
  it.each([
    ['TooManyRequestsException', 400, 'throttled'],
    ['ConcurrentModificationException', 400, 'concurrent writers'],
    ['PolicyChangesInProgressException', 400, 'still applying'],
    ['PolicyNotFoundException', 400, 'created again'],
    ['ServiceException', 500, 'internal error'],
    ['SomethingNew', 503, 'internal error'],
  ])('makes %s retryable', (name, status, hint) => {
    const failure = organizationsFailure(awsError(name, status), 'UpdatePolicy', ROOT);
    expect(failure).toMatchObject({ retryable: true, code: name });
    expect(failure.message).toContain(hint);
    expect(failure.message).toMatch(/^UpdatePolicy: /);
  });

  it.each([
    ['AccessDeniedException', 403, {}, 'organizations:AttachPolicy'],
    ['AWSOrganizationsNotInUseException', 400, {}, 'not in an AWS Organization'],
    ['PolicyTypeNotEnabledException', 400, {}, 'SERVICE_CONTROL_POLICY'],
    ['TargetNotFoundException', 400, {}, `${ROOT} to attach`],
    [
      'ConstraintViolationException',
      400,
      { Reason: 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED' },
      'most SCPs it may have attached',
    ],
    ['ConstraintViolationException', 400, { Reason: 'WHATEVER' }, 'WHATEVER'],
    ['MalformedPolicyDocumentException', 400, {}, 'bug in JIT Access'],
    ['InvalidInputException', 400, {}, 'target id'],
    ['UnrecognizedClientException', 400, {}, 'credentials'],
  ])('makes %s permanent, with what to fix', (name, status, extra, hint) => {
    const failure = organizationsFailure(awsError(name, status, extra), 'AttachPolicy', ROOT);
    expect(failure).toMatchObject({ retryable: false, code: name });
    expect(failure.message).toContain(hint);
  });

  it('speaks of AWS Organizations, never of Identity Center', () => {
    for (const [name, status] of [
      ['TooManyRequestsException', 429],
      ['ServiceException', 500],
      ['Unheard', 400],
    ] as const) {
      const failure = organizationsFailure(awsError(name, status), 'DescribePolicy', ROOT);
      expect(failure.message).toContain('AWS Organizations');
      expect(failure.message).not.toContain('Identity Center');
    }
  });

  it('treats no HTTP answer as a retryable network failure', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    });
    expect(organizationsFailure(refused, 'ListPolicies', ROOT)).toMatchObject({
      retryable: true,
      code: 'ECONNREFUSED',
    });
    expect(organizationsFailure('boom', 'ListPolicies', ROOT).retryable).toBe(true);
  });

  it('never echoes key ids or signatures, and hides signature-mismatch text', () => {
    const denied = organizationsFailure(
      awsError('AccessDeniedException', 403, {
        message: 'User AKIAABCDEFGHIJKLMNOP Credential=AKIAABCDEFGHIJKLMNOP/x is not authorized',
      }),
      'UpdatePolicy',
      ROOT,
    );
    expect(denied.message).not.toContain('AKIAABCDEFGHIJKLMNOP');
    const mismatch = organizationsFailure(
      awsError('SignatureDoesNotMatch', 403, { message: 'canonical request: secret stuff' }),
      'UpdatePolicy',
      ROOT,
    );
    expect(mismatch.message).not.toContain('secret stuff');
  });
});
