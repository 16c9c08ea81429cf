// The organisation's accounts (id, name, status) from AWS Organizations, cached: a list is
// fresh for `ttlMs`, then read again. When Organizations is down, throttling or refusing,
// the last good list is kept and handed out marked stale, with the reason, so the product
// keeps showing names and the operator sees why they may be old.
import { ListAccountsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import type { Clock } from '../../ports/clock.js';
import { awsFailureMessage } from './aws-failure.js';

export interface OrganizationAccount {
  readonly id: string;
  readonly name: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE (Organizations' `State`, else `Status`). */
  readonly state: string;
}

export interface AccountList {
  readonly accounts: readonly OrganizationAccount[];
  /** When the list was read from Organizations. */
  readonly readAt: number;
  /** Set when the last read failed and this is the list from before. */
  readonly stale?: { readonly since: number; readonly reason: string };
}

export interface OrganizationAccountsOptions {
  readonly organizations: Pick<OrganizationsClient, 'send'>;
  readonly clock: Clock;
  /** Default 10 minutes. */
  readonly ttlMs?: number;
  /** Told once per failed refresh. */
  readonly onStale?: (reason: string) => void;
}

export class OrganizationAccounts {
  readonly #options: OrganizationAccountsOptions;
  readonly #ttl: number;
  #last: AccountList | undefined;
  #pending: Promise<AccountList> | undefined;

  constructor(options: OrganizationAccountsOptions) {
    this.#options = options;
    this.#ttl = options.ttlMs ?? 10 * 60_000;
  }

  /** The accounts; throws only when Organizations fails and no list was ever read. */
  async list(): Promise<AccountList> {
    const now = this.#options.clock.now();
    const last = this.#last;
    if (last !== undefined && last.stale === undefined && now - last.readAt < this.#ttl)
      return last;
    // A stale list is retried at most once a minute, not on every call.
    if (last?.stale !== undefined && now - last.stale.since < 60_000) return last;
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Account names by id, from the last list (empty before the first read). */
  async names(): Promise<ReadonlyMap<string, string>> {
    try {
      const list = await this.list();
      return new Map(list.accounts.map((a) => [a.id, a.name]));
    } catch {
      return new Map();
    }
  }

  async #refresh(): Promise<AccountList> {
    const now = this.#options.clock.now();
    try {
      const accounts: OrganizationAccount[] = [];
      let token: string | undefined;
      do {
        const page = await this.#options.organizations.send(
          new ListAccountsCommand(token === undefined ? {} : { NextToken: token }),
        );
        for (const account of page.Accounts ?? []) {
          if (account.Id === undefined) continue;
          accounts.push({
            id: account.Id,
            name: account.Name ?? account.Id,
            state: account.State ?? account.Status ?? 'UNKNOWN',
          });
        }
        token = page.NextToken;
      } while (token !== undefined);
      accounts.sort((a, b) => a.id.localeCompare(b.id));
      this.#last = { accounts, readAt: now };
      return this.#last;
    } catch (error) {
      const reason = awsFailureMessage(error, 'AWS Organizations', 'ListAccounts', 'organizations');
      this.#options.onStale?.(reason);
      if (this.#last === undefined) throw new AccountsUnavailable(reason);
      this.#last = {
        accounts: this.#last.accounts,
        readAt: this.#last.readAt,
        stale: { since: now, reason },
      };
      return this.#last;
    }
  }
}

/** Organizations failed before any list was read. */
export class AccountsUnavailable extends Error {
  override readonly name = 'AccountsUnavailable';
}
