// The account cache: fresh for its ttl, the last good list kept (marked stale, with the
// reason) when Organizations fails, retried at most once a minute, and a clear error when
// no list was ever read.
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { SettableClock } from '../../ports/clock.js';
import { AccountsUnavailable, OrganizationAccounts } from './organization-accounts.js';

function fakeOrganizations(pages: () => unknown) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    send: (command: unknown) => {
      expect(command).toBeInstanceOf(ListAccountsCommand);
      calls += 1;
      return Promise.resolve().then(pages);
    },
  };
}

const throttled = Object.assign(new Error('Rate exceeded'), {
  name: 'TooManyRequestsException',
  $metadata: { httpStatusCode: 400 },
});

describe('OrganizationAccounts', () => {
  it('reads all pages once per ttl', async () => {
    const clock = new SettableClock({ fixed: 0 });
    const org = fakeOrganizations(() => ({
      Accounts: [
        { Id: '222222222222', Name: 'prod', State: 'ACTIVE' },
        { Id: '111111111111', Name: 'dev', Status: 'SUSPENDED' },
      ],
    }));
    const accounts = new OrganizationAccounts({ organizations: org, clock, ttlMs: 60_000 });
    const list = await accounts.list();
    expect(list.accounts).toEqual([
      { id: '111111111111', name: 'dev', state: 'SUSPENDED' },
      { id: '222222222222', name: 'prod', state: 'ACTIVE' },
    ]);
    await accounts.list();
    expect(org.calls).toBe(1);
    clock.advance(60_000);
    await accounts.list();
    expect(org.calls).toBe(2);
    expect((await accounts.names()).get('222222222222')).toBe('prod');
  });

  it('keeps the last good list, marked stale with the reason, while Organizations throttles', async () => {
    const clock = new SettableClock({ fixed: 0 });
    let fail = false;
    const reasons: string[] = [];
    const org = fakeOrganizations(() => {
      if (fail) throw throttled;
      return { Accounts: [{ Id: '111111111111', Name: 'dev', State: 'ACTIVE' }] };
    });
    const accounts = new OrganizationAccounts({
      organizations: org,
      clock,
      ttlMs: 1000,
      onStale: (reason) => reasons.push(reason),
    });
    await accounts.list();
    fail = true;
    clock.advance(1000);
    const stale = await accounts.list();
    expect(stale.accounts).toHaveLength(1);
    expect(stale.stale).toMatchObject({ since: 1000 });
    expect(stale.stale?.reason).toMatch(/AWS Organizations throttled the request/);
    expect(reasons).toHaveLength(1);
    clock.advance(30_000);
    await accounts.list();
    expect(org.calls).toBe(2); // not retried within the minute
    fail = false;
    clock.advance(30_000);
    expect((await accounts.list()).stale).toBeUndefined();
  });

  it('says so clearly when Organizations fails before any list', async () => {
    const org = fakeOrganizations(() => {
      throw Object.assign(new Error('denied'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      });
    });
    const accounts = new OrganizationAccounts({
      organizations: org,
      clock: new SettableClock({ fixed: 0 }),
    });
    const error = await accounts.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccountsUnavailable);
    expect((error as Error).message).toMatch(/may not call organizations:ListAccounts/);
    expect(await accounts.names()).toEqual(new Map());
  });
});
