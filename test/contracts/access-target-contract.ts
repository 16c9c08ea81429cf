// The contract every AccessTarget must pass: the in-memory one, the sandbox file target,
// and (with the Identity Center issue) the real adapter against the emulator over HTTP.
import { describe, expect, it } from 'vitest';
import type { Entitlement } from '../../src/core/grant.js';
import type { AccessTarget, TargetOperation, TargetScope } from '../../src/ports/access-target.js';

export interface AccessTargetContractOptions {
  /** A fresh, empty target for each test; `cleanup` runs after it. */
  readonly create: () => Promise<{ target: AccessTarget; cleanup?: () => Promise<void> }>;
  /** Groups, permission sets and accounts that exist in the target. */
  readonly fixtures?: {
    readonly groups: readonly [string, string];
    readonly permissionSets: readonly [string, string];
    readonly accounts: readonly [string, string];
    readonly users: readonly [string, string];
  };
  /** How many polls a pending operation may need at most. */
  readonly maxPolls?: number;
}

const defaults = {
  groups: ['JIT-ec2-admin', 'JIT-s3-admin'],
  permissionSets: ['EC2Admin', 'S3Admin'],
  accounts: ['111111111111', '222222222222'],
  users: ['alice@example.com', 'bob@example.com'],
} as const;

export function runAccessTargetContract(name: string, options: AccessTargetContractOptions): void {
  const f = options.fixtures ?? defaults;
  const maxPolls = options.maxPolls ?? 50;
  const membership: Entitlement = {
    kind: 'group-membership',
    group: f.groups[0],
    user: f.users[0],
  };
  const otherMembership: Entitlement = {
    kind: 'group-membership',
    group: f.groups[1],
    user: f.users[1],
  };
  const assignment: Entitlement = {
    kind: 'account-assignment',
    permissionSet: f.permissionSets[0],
    account: f.accounts[0],
    user: f.users[0],
  };
  const scope: TargetScope = {
    groups: [f.groups[0]],
    assignments: [{ permissionSet: f.permissionSets[0], accounts: [f.accounts[0]] }],
  };

  async function settle(
    target: AccessTarget,
    operation: TargetOperation,
  ): Promise<TargetOperation> {
    let current = operation;
    for (let i = 0; i < maxPolls && current.state === 'pending'; i += 1) {
      current = await target.poll(current.operationId);
    }
    return current;
  }

  async function withTarget(work: (target: AccessTarget) => Promise<void>): Promise<void> {
    const { target, cleanup } = await options.create();
    try {
      await work(target);
    } finally {
      await cleanup?.();
    }
  }

  describe(`AccessTarget contract: ${name}`, () => {
    it('grants a group membership and lists it', () =>
      withTarget(async (target) => {
        const result = await settle(target, await target.grant(membership));
        expect(result.state).toBe('done');
        expect(await target.list(scope)).toContainEqual(membership);
      }));

    it('grants an account assignment and lists it', () =>
      withTarget(async (target) => {
        expect((await settle(target, await target.grant(assignment))).state).toBe('done');
        expect(await target.list(scope)).toContainEqual(assignment);
      }));

    it('treats granting what is already held as done, and holds it once', () =>
      withTarget(async (target) => {
        await settle(target, await target.grant(membership));
        expect((await settle(target, await target.grant(membership))).state).toBe('done');
        const held = (await target.list(scope)).filter((e) => e.kind === 'group-membership');
        expect(held).toEqual([membership]);
      }));

    it('revokes, and treats revoking what is not held as done', () =>
      withTarget(async (target) => {
        await settle(target, await target.grant(membership));
        await settle(target, await target.grant(assignment));
        const revoked = await settle(target, await target.revoke(membership));
        expect(revoked.state).toBe('done');
        expect(await target.list(scope)).toEqual([assignment]);
        expect((await settle(target, await target.revoke(membership))).state).toBe('done');
        expect((await settle(target, await target.revoke(assignment))).state).toBe('done');
        expect(await target.list(scope)).toEqual([]);
      }));

    it('reports a confirmation time with every completed change', () =>
      withTarget(async (target) => {
        const done = await settle(target, await target.revoke(assignment));
        expect(done.state === 'done' && typeof done.confirmedAt).toBe('number');
      }));

    it('lists only what lies within the scope', () =>
      withTarget(async (target) => {
        await settle(target, await target.grant(membership));
        await settle(target, await target.grant(otherMembership));
        const other: Entitlement = { ...assignment, account: f.accounts[1] };
        await settle(target, await target.grant(other));
        expect(await target.list(scope)).toEqual([membership]);
        expect(await target.list({ groups: [], assignments: [] })).toEqual([]);
      }));

    it('keeps different users of one group apart', () =>
      withTarget(async (target) => {
        const second: Entitlement = { ...membership, user: f.users[1] };
        await settle(target, await target.grant(membership));
        await settle(target, await target.grant(second));
        await settle(target, await target.revoke(membership));
        expect(await target.list(scope)).toEqual([second]);
      }));

    it('refuses to follow an operation it never started', () =>
      withTarget(async (target) => {
        const result = await target.poll('no-such-operation');
        expect(result.state).toBe('failed');
        expect(result.state === 'failed' && result.retryable).toBe(false);
      }));
  });
}
