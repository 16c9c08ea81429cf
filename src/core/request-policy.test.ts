import { describe, expect, it } from 'vitest';
import { evaluateRequest } from './request-policy.js';
import { HOUR, MINUTE, person, T0, testRole } from '../../test/harness/core-fixtures.js';

const options = { mfaMaxAge: HOUR };
const alice = person('alice@example.com', { authTime: T0 });

describe('evaluateRequest', () => {
  it('accepts an eligible request and fills in the default duration and all accounts', () => {
    const result = evaluateRequest(
      testRole(),
      { id: 'g1', principal: alice, justification: 'incident 42' },
      T0,
      options,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      status: 'requested',
      duration: HOUR,
      accounts: ['111111111111', '222222222222'],
    });
  });

  it('refuses a duration over the maximum and names the maximum', () => {
    const result = evaluateRequest(
      testRole(),
      { id: 'g1', principal: alice, justification: 'x', duration: 9 * HOUR },
      T0,
      options,
    );
    expect(result).toMatchObject({ ok: false, refusal: { code: 'ERR_DURATION_TOO_LONG' } });
    if (result.ok) return;
    expect(result.refusal.message).toContain('PT8H');
  });

  it('refuses a duration under five minutes', () => {
    const result = evaluateRequest(
      testRole(),
      { id: 'g1', principal: alice, justification: 'x', duration: 4 * MINUTE },
      T0,
      options,
    );
    expect(result).toMatchObject({ ok: false, refusal: { code: 'ERR_DURATION_TOO_SHORT' } });
  });

  it('refuses a person who is neither listed nor in an eligible group', () => {
    const mallory = person('mallory@example.com', { authTime: T0 });
    const result = evaluateRequest(
      testRole(),
      { id: 'g1', principal: mallory, justification: 'x' },
      T0,
      options,
    );
    expect(result).toMatchObject({ ok: false, refusal: { code: 'ERR_NOT_ELIGIBLE' } });
  });

  it('accepts a person eligible through a group', () => {
    const dev = person('dev@example.com', { authTime: T0, groups: ['developers'] });
    expect(
      evaluateRequest(testRole(), { id: 'g1', principal: dev, justification: 'x' }, T0, options).ok,
    ).toBe(true);
  });

  it('refuses a sign-in without MFA, and a stale MFA sign-in, for a role that requires MFA', () => {
    const noMfa = person('alice@example.com', { authTime: T0, amr: ['pwd'] });
    expect(
      evaluateRequest(testRole(), { id: 'g1', principal: noMfa, justification: 'x' }, T0, options),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_MFA_REQUIRED' },
    });
    const stale = person('alice@example.com', { authTime: T0 - 2 * HOUR });
    expect(
      evaluateRequest(testRole(), { id: 'g1', principal: stale, justification: 'x' }, T0, options),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_MFA_REQUIRED' },
    });
  });

  it('requires a justification and a ticket when the role says so', () => {
    expect(
      evaluateRequest(testRole(), { id: 'g1', principal: alice, justification: '  ' }, T0, options),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_JUSTIFICATION_REQUIRED' },
    });
    const role = testRole({}, { requireTicket: true });
    expect(
      evaluateRequest(role, { id: 'g1', principal: alice, justification: 'x' }, T0, options),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_TICKET_REQUIRED' },
    });
  });

  it('lets account-assignment roles pick a subset of accounts but not group-membership roles', () => {
    const subset = { id: 'g1', principal: alice, justification: 'x', accounts: ['222222222222'] };
    expect(evaluateRequest(testRole(), subset, T0, options)).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_ACCOUNTS_NOT_SELECTABLE' },
    });
    const result = evaluateRequest(
      testRole({ enforcement: 'account-assignment' }),
      subset,
      T0,
      options,
    );
    expect(result.ok && result.value.accounts).toEqual(['222222222222']);
    const unknown = { ...subset, accounts: ['999999999999'] };
    expect(
      evaluateRequest(testRole({ enforcement: 'account-assignment' }), unknown, T0, options),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_UNKNOWN_ACCOUNT' },
    });
  });

  it('refuses roles activated in Entra PIM', () => {
    expect(
      evaluateRequest(
        testRole({ source: 'entra-pim' }),
        { id: 'g1', principal: alice, justification: 'x' },
        T0,
        options,
      ),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_ROLE_NOT_NATIVE' },
    });
  });

  it('refuses a start in the past and keeps a future start', () => {
    expect(
      evaluateRequest(
        testRole(),
        { id: 'g1', principal: alice, justification: 'x', start: T0 - HOUR },
        T0,
        options,
      ),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_START_IN_PAST' },
    });
    const future = evaluateRequest(
      testRole(),
      { id: 'g1', principal: alice, justification: 'x', start: T0 + HOUR },
      T0,
      options,
    );
    expect(future.ok && future.value.requestedStart).toBe(T0 + HOUR);
  });

  it('refuses a start further ahead than the role allows, a week unless it says otherwise (review M6)', () => {
    const ask = (start: number, maxStartDelay?: number) =>
      evaluateRequest(
        maxStartDelay === undefined ? testRole() : testRole({}, { maxStartDelay }),
        { id: 'g1', principal: alice, justification: 'x', start },
        T0,
        options,
      );
    expect(ask(T0 + 7 * 24 * HOUR).ok).toBe(true);
    expect(ask(T0 + 7 * 24 * HOUR + 1)).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_START_TOO_LATE' },
    });
    expect(ask(Date.UTC(9999, 0, 1))).toMatchObject({ refusal: { code: 'ERR_START_TOO_LATE' } });
    expect(ask(T0 + 2 * HOUR, HOUR)).toMatchObject({ refusal: { code: 'ERR_START_TOO_LATE' } });
    const refused = ask(T0 + 2 * HOUR, HOUR);
    expect(refused.ok ? '' : refused.refusal.message).toMatch(/activation\.maxStartDelay PT1H/);
  });
});
