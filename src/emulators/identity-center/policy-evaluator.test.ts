// The Deny evaluator: operators, wildcards, arrays, missing keys.

import { describe, expect, it } from 'vitest';
import { findDeny, type RequestContext } from './policy-evaluator.js';
import { arnLike, wildcardMatch } from './wildcard-match.js';

const role =
  'arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef';
const context: RequestContext = {
  action: 's3:GetObject',
  resource: '*',
  keys: {
    'identitystore:userId': 'u-1',
    'aws:TokenIssueTime': '2025-01-01T10:00:00.000Z',
    'aws:PrincipalArn': role,
    'aws:PrincipalAccount': '222222222222',
  },
};
const deny = (Condition: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    Statement: { Effect: 'Deny', Action: '*', Resource: '*', Condition, ...extra },
  });

describe('findDeny', () => {
  it('matches StringEquals with a value or an array of values, and not another value', () => {
    expect(
      findDeny(deny({ StringEquals: { 'identitystore:userId': 'u-1' } }), context).match,
    ).toBeDefined();
    expect(
      findDeny(deny({ StringEquals: { 'identitystore:userId': ['x', 'u-1'] } }), context).match,
    ).toBeDefined();
    expect(
      findDeny(deny({ StringEquals: { 'identitystore:userId': 'u-2' } }), context).match,
    ).toBeUndefined();
  });

  it('compares dates for DateLessThan and DateGreaterThan, ISO or epoch seconds', () => {
    expect(
      findDeny(deny({ DateLessThan: { 'aws:TokenIssueTime': '2025-01-01T10:00:01Z' } }), context)
        .match,
    ).toBeDefined();
    expect(
      findDeny(deny({ DateLessThan: { 'aws:TokenIssueTime': '2025-01-01T10:00:00Z' } }), context)
        .match,
    ).toBeUndefined();
    expect(
      findDeny(deny({ DateGreaterThan: { 'aws:TokenIssueTime': '1735725599' } }), context).match,
    ).toBeDefined();
  });

  it('needs every operator and key of a condition to match', () => {
    const both = {
      StringEquals: { 'identitystore:userId': 'u-1', 'aws:PrincipalAccount': '333333333333' },
    };
    expect(findDeny(deny(both), context).match).toBeUndefined();
  });

  it('treats a missing key as no match for positive operators', () => {
    expect(
      findDeny(deny({ StringEquals: { 'aws:SourceIp': '1.2.3.4' } }), context).match,
    ).toBeUndefined();
  });

  it('keeps Admin and Admin_ReadOnly apart with a 16-character suffix pattern', () => {
    const pattern =
      'arn:*:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_????????????????';
    expect(arnLike(pattern, role)).toBe(true);
    expect(arnLike(pattern, role.replace('Admin_', 'Admin_ReadOnly_'))).toBe(false);
    expect(
      arnLike(
        'arn:*:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_ReadOnly_????????????????',
        role,
      ),
    ).toBe(false);
  });

  it('matches actions case-insensitively with wildcards and honours NotAction', () => {
    expect(
      findDeny(
        JSON.stringify({ Statement: [{ Effect: 'Deny', Action: 'S3:*', Resource: '*' }] }),
        context,
      ).match,
    ).toBeDefined();
    expect(
      findDeny(
        JSON.stringify({ Statement: [{ Effect: 'Deny', NotAction: 's3:*', Resource: '*' }] }),
        context,
      ).match,
    ).toBeUndefined();
    expect(
      findDeny(
        JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
        context,
      ).match,
    ).toBeUndefined();
  });

  it('reports unsupported operators instead of guessing', () => {
    const result = findDeny(
      deny({ 'ForAnyValue:StringEquals': { 'identitystore:userId': 'u-1' } }),
      context,
    );
    expect(result.match).toBeUndefined();
    expect(result.unsupported).toEqual(['ForAnyValue:StringEquals']);
  });

  it('handles wildcards without backtracking blow-up', () => {
    expect(wildcardMatch('*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(wildcardMatch('a?c*', 'abcdef')).toBe(true);
  });
});
