// The contract every SessionRevoker must pass: the in-memory one, and the SCP revoker against
// the Identity Center emulator, where sessions are issued and judged by the emulator. A
// session issued while access was held and before its removal is denied after
// `revokeSessions`; sessions of other people or accounts, and of a later grant after
// `release`, are not.
import { describe, expect, it } from 'vitest';
import type { Entitlement, Instant } from '../../src/core/grant.js';
import type { SessionRevoker } from '../../src/ports/session-revoker.js';

/** The world around a revoker: access to give and take, sessions to issue and judge. */
export interface SessionWorld {
  readonly revoker: SessionRevoker;
  /** Now, on the clock both the revoker and the sessions go by. */
  now(): Instant;
  advance(ms: number): void;
  grant(entitlement: Entitlement): Promise<void>;
  /** Removes the access; resolves with the moment the removal was confirmed. */
  remove(entitlement: Entitlement): Promise<Instant>;
  /** Issues a session of the entitlement now; its id. */
  issue(entitlement: Entitlement): Promise<string>;
  allowed(session: string): Promise<boolean>;
  cleanup?(): Promise<void>;
}

export interface SessionRevokerContractOptions {
  readonly create: () => Promise<SessionWorld>;
  /** Two people, a permission set, and two accounts the world knows. */
  readonly fixtures: {
    readonly users: readonly [string, string];
    readonly permissionSet: string;
    readonly accounts: readonly [string, string];
  };
}

const MINUTE = 60_000;

export function runSessionRevokerContract(
  name: string,
  options: SessionRevokerContractOptions,
): void {
  const { users, permissionSet, accounts } = options.fixtures;
  const of = (user: string, account: string): Entitlement => ({
    kind: 'account-assignment',
    permissionSet,
    account,
    user,
  });
  const mine = of(users[0], accounts[0]);
  const myOtherAccount = of(users[0], accounts[1]);
  const theirs = of(users[1], accounts[0]);

  async function inWorld(test: (world: SessionWorld) => Promise<void>): Promise<void> {
    const world = await options.create();
    try {
      await test(world);
    } finally {
      await world.cleanup?.();
    }
  }

  describe(`SessionRevoker contract: ${name}`, () => {
    it('denies a session issued before the removal, once revoked, and says so', () =>
      inWorld(async (w) => {
        await w.grant(mine);
        const old = await w.issue(mine);
        w.advance(10 * MINUTE);
        const cutoff = await w.remove(mine);
        expect(await w.allowed(old)).toBe(true); // removal alone ends no session
        const outcome = await w.revoker.revokeSessions({ entitlement: mine, cutoff });
        expect(outcome.state).toBe('done');
        expect(await w.allowed(old)).toBe(false);
      }));

    it('leaves other people and other accounts alone', () =>
      inWorld(async (w) => {
        for (const e of [mine, myOtherAccount, theirs]) await w.grant(e);
        const other = await w.issue(myOtherAccount);
        const someoneElse = await w.issue(theirs);
        w.advance(MINUTE);
        const cutoff = await w.remove(mine);
        await w.revoker.revokeSessions({ entitlement: mine, cutoff });
        expect(await w.allowed(other)).toBe(true);
        expect(await w.allowed(someoneElse)).toBe(true);
      }));

    it('is idempotent: revoking twice still denies, and fails nothing', () =>
      inWorld(async (w) => {
        await w.grant(mine);
        const old = await w.issue(mine);
        w.advance(MINUTE);
        const cutoff = await w.remove(mine);
        for (let i = 0; i < 2; i += 1) {
          const outcome = await w.revoker.revokeSessions({ entitlement: mine, cutoff });
          expect(outcome.state).not.toBe('failed');
        }
        expect(await w.allowed(old)).toBe(false);
      }));

    it('lets a later grant’s sessions through after release, and keeps the old one denied', () =>
      inWorld(async (w) => {
        await w.grant(mine);
        const old = await w.issue(mine);
        w.advance(MINUTE);
        const cutoff = await w.remove(mine);
        await w.revoker.revokeSessions({ entitlement: mine, cutoff });
        w.advance(30_000); // granted again within the margin
        if (w.revoker.release) {
          expect((await w.revoker.release(mine)).state).not.toBe('failed');
        }
        await w.grant(mine);
        w.advance(1_000);
        const fresh = await w.issue(mine);
        expect(await w.allowed(fresh)).toBe(true);
        expect(await w.allowed(old)).toBe(false);
      }));
  });
}
