// Shared checks of sso-admin requests: the instance ARN, the permission set, account ids.

import { notFoundError, validationError } from './aws-error.js';
import type { EmulatorState, PermissionSetRecord } from './emulator-state.js';
import type { JsonInput } from './json-input.js';

export function requireInstance(input: JsonInput, state: EmulatorState): void {
  const arn = input.string('InstanceArn');
  if (
    !/^arn:(aws|aws-cn|aws-us-gov|aws-iso(-[a-z])?):sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/.test(
      arn,
    )
  ) {
    throw validationError(`InstanceArn is not a valid instance ARN: ${arn}`);
  }
  if (arn !== state.instanceArn) throw notFoundError(`Instance ${arn} does not exist`);
}

export function requirePermissionSet(
  input: JsonInput,
  state: EmulatorState,
  member = 'PermissionSetArn',
): PermissionSetRecord {
  requireInstance(input, state);
  const arn = input.string(member);
  if (
    !/^arn:(aws|aws-cn|aws-us-gov|aws-iso(-[a-z])?):sso:::permissionSet\/(sso)?ins-[a-zA-Z0-9-.]{16}\/ps-[a-zA-Z0-9-./]{16}$/.test(
      arn,
    )
  ) {
    throw validationError(`${member} is not a valid permission set ARN: ${arn}`);
  }
  const found = state.permissionSets.get(arn);
  if (found === undefined) throw notFoundError(`Permission set ${arn} does not exist`);
  return found;
}

export function requireAccountId(input: JsonInput, member: string): string {
  const id = input.string(member);
  if (!/^\d{12}$/.test(id)) throw validationError(`${member} must be a 12-digit account id`);
  return id;
}

/** ISO 8601 duration in hours, minutes and seconds (PT2H30M), as milliseconds. */
export function parseSessionDuration(value: string): number | undefined {
  const match = /^PT(?:(\d{1,3})H)?(?:(\d{1,4})M)?(?:(\d{1,6})S)?$/.exec(value);
  if (match === null || value === 'PT') return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}

const hour = 3_600_000;

export function checkSessionDuration(value: string): string {
  const ms = parseSessionDuration(value);
  if (ms === undefined)
    throw validationError(`SessionDuration is not an ISO 8601 duration: ${value}`);
  if (ms < hour || ms > 12 * hour) {
    throw validationError(`SessionDuration must be between PT1H and PT12H, got ${value}`);
  }
  return value;
}
