import { describe, expect, it } from 'vitest';
import { checkInlinePolicy } from './inline-policy.js';

const DENY = { Effect: 'Deny', Action: 'organizations:*', Resource: '*' };

function message(input: unknown): string {
  const result = checkInlinePolicy(input);
  if (result.ok) throw new Error('expected the policy to be refused');
  return result.message;
}

describe('checkInlinePolicy', () => {
  it('minifies JSON text', () => {
    const text = JSON.stringify({ Version: '2012-10-17', Statement: [DENY] }, null, 2);
    expect(checkInlinePolicy(text)).toEqual({
      ok: true,
      value:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:*","Resource":"*"}]}',
    });
  });

  it('accepts a mapping and a single statement object', () => {
    expect(checkInlinePolicy({ Version: '2012-10-17', Statement: DENY }).ok).toBe(true);
  });

  it('refuses JSON that is not an object', () => {
    expect(message('[1, 2]')).toMatch(
      /^is JSON but not an object \(got a list\); write the policy/,
    );
  });

  it('refuses a policy without Version or with an unknown Version', () => {
    expect(message({ Statement: [DENY] })).toMatch(/^has no Version \(use "2012-10-17"\)/);
    expect(message({ Version: '2020-01-01', Statement: [DENY] })).toMatch(
      /^has Version "2020-01-01"; IAM accepts "2012-10-17"/,
    );
  });

  it('refuses a policy without statements or with a statement missing its Effect', () => {
    expect(message({ Version: '2012-10-17' })).toMatch(/^has no Statement/);
    expect(message({ Version: '2012-10-17', Statement: [] })).toMatch(
      /^has an empty Statement list/,
    );
    expect(message({ Version: '2012-10-17', Statement: [{ Action: '*' }] })).toMatch(
      /^Statement\[0\]\.Effect is nothing; it must be "Allow" or "Deny"/,
    );
  });

  it('refuses a policy over 32,768 bytes even when whitespace keeps it under the character limit', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ ...DENY, Condition: { StringEquals: { 'aws:x': ' '.repeat(33_000) } } }],
    };
    expect(message(policy)).toMatch(/^is 33,\d{3} bytes minified, over the limit of 32,768; /);
  });

  it('refuses a policy over 10,240 characters not counting whitespace', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ ...DENY, Resource: 'a'.repeat(10_300) }],
    };
    expect(message(policy)).toMatch(
      /^is 10,\d{3} characters \(not counting whitespace\), over AWS's limit of 10,240; /,
    );
  });

  it('refuses something that is neither text nor a mapping', () => {
    expect(message(42)).toMatch(/^expected a JSON policy document \(text or a mapping\), got 42; /);
  });
});
