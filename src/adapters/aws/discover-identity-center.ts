// Which Identity Center instance and identity store live mode acts on: the ones the config
// names, or the one `ListInstances` finds (the organisation instance, visible from the
// management account and from a delegated administrator). Several instances (account
// instances beside the organisation's) need the config to say which.
import { ListInstancesCommand, type SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { JitError } from '../../core/errors.js';
import { awsFailure } from './aws-failure.js';
import { IDENTITY_CENTER_ERRORS } from './identity-center-errors.js';

export interface IdentityCenterInstance {
  readonly instanceArn: string;
  readonly identityStoreId: string;
  /** The account that owns the instance (the management account for an organisation instance). */
  readonly ownerAccountId?: string;
  /** How it was found, for the logs: `config` or `ListInstances`. */
  readonly foundBy: 'config' | 'ListInstances';
}

export interface DiscoverIdentityCenterOptions {
  readonly ssoAdmin: Pick<SSOAdminClient, 'send'>;
  readonly instanceArn?: string;
  readonly identityStoreId?: string;
}

export async function discoverIdentityCenter(
  options: DiscoverIdentityCenterOptions,
): Promise<IdentityCenterInstance> {
  if (options.instanceArn !== undefined && options.identityStoreId !== undefined) {
    return {
      instanceArn: options.instanceArn,
      identityStoreId: options.identityStoreId,
      foundBy: 'config',
    };
  }
  const instances: { arn: string; store: string; owner?: string }[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await options.ssoAdmin.send(
        new ListInstancesCommand(token === undefined ? {} : { NextToken: token }),
      );
      for (const instance of page.Instances ?? []) {
        if (instance.InstanceArn === undefined || instance.IdentityStoreId === undefined) continue;
        instances.push({
          arn: instance.InstanceArn,
          store: instance.IdentityStoreId,
          ...(instance.OwnerAccountId === undefined ? {} : { owner: instance.OwnerAccountId }),
        });
      }
      token = page.NextToken;
    } while (token !== undefined);
  } catch (error) {
    throw new JitError(
      'ERR_TARGET',
      `cannot find the Identity Center instance: ${awsFailure(error, 'ListInstances', IDENTITY_CENTER_ERRORS).message}; or set aws.identityCenter.instanceArn and identityStoreId`,
    );
  }
  const wanted =
    options.instanceArn === undefined
      ? instances
      : instances.filter((i) => i.arn === options.instanceArn);
  const [only, other] = wanted;
  if (only === undefined) {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      options.instanceArn === undefined
        ? 'ListInstances found no Identity Center instance in this region; enable IAM Identity Center, or set aws.region to the region it lives in'
        : `no Identity Center instance ${options.instanceArn} in this region (ListInstances found ${instances.map((i) => i.arn).join(', ') || 'none'}); check aws.identityCenter.instanceArn and aws.region`,
    );
  }
  if (other !== undefined) {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `ListInstances found ${String(wanted.length)} Identity Center instances (${wanted.map((i) => i.arn).join(', ')}); set aws.identityCenter.instanceArn to the organisation's`,
    );
  }
  if (options.identityStoreId !== undefined && options.identityStoreId !== only.store) {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `aws.identityCenter.identityStoreId is ${options.identityStoreId}, but instance ${only.arn} uses identity store ${only.store}; correct it or leave it out`,
    );
  }
  return {
    instanceArn: only.arn,
    identityStoreId: only.store,
    ...(only.owner === undefined ? {} : { ownerAccountId: only.owner }),
    foundBy: 'ListInstances',
  };
}
