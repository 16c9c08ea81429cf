// Makes Identity Center hold what the config declares: permission sets (policies, inline
// policy, permissions boundary), the groups of the roles, the group assignments of
// group-membership roles in their accounts, and (sandbox only) the directory's users.
// Idempotent. It is how `npm start` and `jit emulate --config` seed the emulator through its
// own AWS API, and apart from the users it is `jit apply` itself: the same read, plan and
// apply (identity-center-plan.ts), without pruning.
import { CreateUserCommand, type IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { ListInstancesCommand, type SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { IdentityCenterIds, IdentityCenterNotFound } from '../adapters/aws/identity-center-ids.js';
import type { JitConfig } from '../config/index.js';
import { applyIdentityCenterPlan } from './apply-identity-center-plan.js';
import { planIdentityCenter, type PlanChange } from './identity-center-plan.js';
import { readIdentityCenterState } from './read-identity-center-state.js';

export interface ApplyIdentityCenterOptions {
  readonly config: JitConfig;
  readonly ssoAdmin: Pick<SSOAdminClient, 'send'>;
  readonly identityStore: Pick<IdentitystoreClient, 'send'>;
  /** Create the directory's users too (sandbox: nobody else provisions them). */
  readonly createUsers: boolean;
  /** Pause between polls of an assignment status. */
  readonly sleep: (ms: number) => Promise<void>;
}

export interface ApplyIdentityCenterResult {
  readonly instanceArn: string;
  readonly identityStoreId: string;
  readonly permissionSetArns: ReadonlyMap<string, string>;
  readonly created: readonly string[];
}

/** Applies the config to Identity Center; returns the instance and what it created. */
export async function applyIdentityCenter(
  options: ApplyIdentityCenterOptions,
): Promise<ApplyIdentityCenterResult> {
  const { config, ssoAdmin, identityStore } = options;
  const created: string[] = [];
  const instances = await ssoAdmin.send(new ListInstancesCommand({}));
  const instance = instances.Instances?.[0];
  if (!instance?.InstanceArn || !instance.IdentityStoreId) {
    throw new Error(
      'no IAM Identity Center instance is visible to these credentials; enable Identity Center first',
    );
  }
  const instanceArn = instance.InstanceArn;
  const identityStoreId = instance.IdentityStoreId;
  // Looked up afresh each time (no cache): apply creates what it does not find.
  const ids = new IdentityCenterIds({
    ssoAdmin,
    identityStore,
    instanceArn,
    identityStoreId,
    clock: { now: () => 0 },
    cacheTtlMs: 0,
  });

  if (options.createUsers) {
    for (const user of config.directory?.users ?? []) {
      if (await found(ids.userId(user.id))) continue;
      const [given, ...rest] = user.displayName.split(' ');
      await identityStore.send(
        new CreateUserCommand({
          IdentityStoreId: identityStoreId,
          UserName: user.id,
          DisplayName: user.displayName,
          Name: { GivenName: given ?? user.name, FamilyName: rest.join(' ') || user.name },
          Emails: [{ Value: user.email, Type: 'work', Primary: true }],
        }),
      );
      created.push(`user ${user.id}`);
    }
  }

  // The rest is `jit apply`'s own code: read, plan, carry out (no pruning).
  const state = await readIdentityCenterState({
    config,
    ssoAdmin,
    identityStore,
    instanceArn,
    identityStoreId,
  });
  const plan = planIdentityCenter(config, state, { prune: false });
  const result = await applyIdentityCenterPlan(plan.changes, {
    ssoAdmin,
    identityStore,
    instanceArn,
    identityStoreId,
    sleep: options.sleep,
    pollMs: 100,
  });
  if (result.failed !== undefined)
    throw new Error(
      `applying the config to Identity Center stopped at ${changeLabel(result.failed.change)}: ${result.failed.message}`,
    );
  created.push(...result.done.map(changeLabel));
  const permissionSetArns = new Map<string, string>();
  const listed = await ids.listPermissionSets();
  for (const name of config.permissionSets.keys()) {
    const arn = listed.get(name);
    if (arn !== undefined) permissionSetArns.set(name, arn);
  }
  return { instanceArn, identityStoreId, permissionSetArns, created };
}

function changeLabel(change: PlanChange): string {
  switch (change.type) {
    case 'permission-set':
      return `${change.action === 'create' ? '' : `${change.action} `}permission set ${change.name}`;
    case 'group':
      return `group ${change.name}`;
    case 'assignment':
      return `assignment ${change.group} → ${change.permissionSet} in ${change.account}`;
  }
}

/** The id, or undefined when Identity Center has none by that name. */
async function found(lookup: Promise<string>): Promise<string | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof IdentityCenterNotFound) return undefined;
    throw error;
  }
}
