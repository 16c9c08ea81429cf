// `jit import tfvars`: the seed's Terraform variables as a jit.config.yaml, with a report of
// what was mapped, what was not, and the seed's known problems the result no longer has.
//
// Variables read: permission_sets (description, session_duration, managed_policies,
// customer_managed_policies, inline_policy as jsonencode({...}), a heredoc or a JSON string,
// relay_state, tags), group_assignments (a list or a map of {group_name, permission_set,
// account_ids}), identity_store_id, instance_arn, aws_region, create_permissions_boundary,
// permissions_boundary_arn / permissions_boundary_name, enable_monitoring,
// alarm_sns_topic_arn, cloudtrail_log_group_name, tags. Policies are kept exactly: the JSON
// is parsed and written back unchanged (key order included).
import { stringify } from 'yaml';
import { parseTfvars, type HclValue, type Located } from './parse-tfvars.js';

export class TfvarsImportError extends Error {
  constructor(
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'TfvarsImportError';
  }
}

export interface ImportReport {
  readonly mapped: readonly string[];
  readonly notMapped: readonly string[];
  readonly fixed: readonly string[];
  readonly toDo: readonly string[];
}

export interface ImportResult {
  readonly yaml: string;
  readonly report: ImportReport;
}

const KNOWN = new Set([
  'permission_sets',
  'group_assignments',
  'identity_store_id',
  'instance_arn',
  'aws_region',
  'region',
  'create_permissions_boundary',
  'permissions_boundary_arn',
  'permissions_boundary_name',
  'enable_monitoring',
  'alarm_sns_topic_arn',
  'cloudtrail_log_group_name',
  'tags',
]);

const PLACEHOLDER_GUID = '00000000-0000-0000-0000-000000000000';

type Obj = { readonly [key: string]: HclValue };

function isObject(value: HclValue | undefined): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function importTfvars(text: string, file: string): ImportResult {
  const vars = parseTfvars(text, file);
  const mapped: string[] = [];
  const notMapped: string[] = [];
  const fixed: string[] = [];
  const toDo: string[] = [];
  const errors: string[] = [];
  const where = (name: string): string => `${file}:${String(vars.get(name)?.line ?? 0)}`;
  const get = (name: string): HclValue | undefined => vars.get(name)?.value;

  for (const [name, located] of vars)
    if (!KNOWN.has(name))
      notMapped.push(
        `${name} (${file}:${String(located.line)}): not a variable of the seed's module`,
      );

  const tags = get('tags');
  const commonTags: Record<string, string> = {};
  if (tags !== undefined) {
    if (!isObject(tags)) errors.push(`${where('tags')}: tags must be a map of strings`);
    else
      for (const [k, v] of Object.entries(tags)) {
        if (typeof v !== 'string') errors.push(`${where('tags')}: tags.${k} must be a string`);
        else commonTags[k] = v;
      }
    if (isObject(tags))
      mapped.push(`tags → every permission set's tags (${String(Object.keys(tags).length)})`);
  }

  // The permissions boundary: the seed creates it in one account and references it by ARN as
  // if it were AWS-managed. A permission set can only reference a customer-managed policy by
  // name and path, which must exist in every account it is provisioned to.
  let boundary: { customerManagedPolicy: { name: string; path?: string } } | undefined;
  const createBoundary = get('create_permissions_boundary');
  const boundaryArn = get('permissions_boundary_arn');
  const boundaryName = get('permissions_boundary_name');
  if (
    createBoundary === true ||
    typeof boundaryArn === 'string' ||
    typeof boundaryName === 'string'
  ) {
    let name = typeof boundaryName === 'string' ? boundaryName : 'JitPermissionsBoundary';
    let path: string | undefined;
    if (typeof boundaryArn === 'string' && boundaryArn !== '') {
      const match = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy(\/(?:[^/]+\/)*)?([^/]+)$/.exec(
        boundaryArn,
      );
      if (match === null)
        errors.push(
          `${where('permissions_boundary_arn')}: ${boundaryArn} is not an IAM policy ARN`,
        );
      else {
        name = match[3] ?? name;
        path = match[2] !== undefined && match[2] !== '/' ? match[2] : undefined;
        if (match[1] !== 'aws')
          fixed.push(
            `the permissions boundary ${boundaryArn} was referenced as if AWS-managed; it is now a customer-managed policy reference by name (${name}), which must exist in every member account (issue 12's StackSet deploys it)`,
          );
      }
    }
    boundary = { customerManagedPolicy: path === undefined ? { name } : { name, path } };
    mapped.push(
      `permissions boundary → permissionsBoundary.customerManagedPolicy ${name} on every permission set`,
    );
  }

  const permissionSets: Record<string, unknown> = {};
  const sets = get('permission_sets');
  if (sets === undefined)
    errors.push(`${file}: permission_sets is missing; it is what the import is for`);
  else if (!isObject(sets))
    errors.push(`${where('permission_sets')}: permission_sets must be a map of objects`);
  else
    for (const [name, raw] of Object.entries(sets)) {
      const at = `${where('permission_sets')}: permission_sets.${name}`;
      if (!isObject(raw)) {
        errors.push(`${at} must be an object`);
        continue;
      }
      const ps: Record<string, unknown> = {};
      const str = (key: string): string | undefined => {
        const v = raw[key];
        if (v === undefined || v === null || v === '') return undefined;
        if (typeof v !== 'string') errors.push(`${at}.${key} must be a string`);
        return typeof v === 'string' ? v : undefined;
      };
      const description = str('description');
      if (description !== undefined) ps['description'] = description;
      ps['sessionDuration'] = str('session_duration') ?? 'PT1H';
      const list = (key: string): string[] => {
        const v = raw[key];
        if (v === undefined || v === null) return [];
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
          errors.push(`${at}.${key} must be a list of strings`);
          return [];
        }
        return v as string[];
      };
      const managed = list('managed_policies');
      if (managed.length > 0) ps['managedPolicies'] = managed;
      const customer = raw['customer_managed_policies'];
      if (Array.isArray(customer) && customer.length > 0)
        ps['customerManagedPolicies'] = (customer as readonly HclValue[]).map((c: HclValue) =>
          typeof c === 'string'
            ? { name: c }
            : isObject(c)
              ? { name: c['name'], ...(typeof c['path'] === 'string' ? { path: c['path'] } : {}) }
              : c,
        );
      const inline = str('inline_policy');
      if (inline !== undefined) {
        try {
          // Parsed and written back unchanged: the same document, laid out for reading.
          ps['inlinePolicy'] = `${JSON.stringify(JSON.parse(inline), null, 2)}\n`;
        } catch {
          errors.push(
            `${at}.inline_policy is not JSON: write it with jsonencode({...}) or as a JSON heredoc`,
          );
        }
      }
      const relay = str('relay_state');
      if (relay !== undefined) ps['relayState'] = relay;
      if (boundary !== undefined) ps['permissionsBoundary'] = boundary;
      const own = isObject(raw['tags']) ? (raw['tags'] as Record<string, string>) : {};
      const allTags = { ...commonTags, ...own };
      if (Object.keys(allTags).length > 0) ps['tags'] = allTags;
      permissionSets[name] = ps;
    }
  if (isObject(sets))
    mapped.push(`permission_sets → permissionSets (${String(Object.keys(sets).length)})`);

  const roles: Record<string, unknown> = {};
  const assignments = get('group_assignments');
  const entries: [string, HclValue][] = Array.isArray(assignments)
    ? (assignments as HclValue[]).map((a, i) => [String(i), a])
    : isObject(assignments)
      ? Object.entries(assignments)
      : [];
  if (assignments !== undefined && entries.length === 0 && !Array.isArray(assignments))
    errors.push(
      `${where('group_assignments')}: group_assignments must be a list or a map of objects`,
    );
  for (const [key, raw] of entries) {
    const at = `${where('group_assignments')}: group_assignments[${key}]`;
    if (!isObject(raw)) {
      errors.push(`${at} must be an object`);
      continue;
    }
    const group = raw['group_name'];
    const permissionSet = raw['permission_set'];
    const accounts = raw['account_ids'];
    if (typeof group !== 'string') errors.push(`${at}.group_name must be a string`);
    if (typeof permissionSet !== 'string') errors.push(`${at}.permission_set must be a string`);
    if (
      !Array.isArray(accounts) ||
      accounts.some((a) => typeof a !== 'string' || !/^\d{12}$/.test(a))
    )
      errors.push(`${at}.account_ids must be a list of 12-digit account ids (quoted)`);
    if (typeof group !== 'string' || typeof permissionSet !== 'string' || !Array.isArray(accounts))
      continue;
    if (isObject(sets) && !(permissionSet in sets))
      errors.push(`${at}.permission_set ${permissionSet} is not in permission_sets`);
    let name = roleNameOf(group, isObject(assignments) ? key : undefined);
    while (name in roles) name = `${name}-${permissionSet.toLowerCase()}`;
    roles[name] = {
      source: 'entra-pim',
      group,
      permissionSet,
      accounts,
      activation: {
        maxDuration: 'PT8H',
        requireJustification: true,
        requireMfa: true,
        approval: { required: false },
      },
      eligibility: { members: [`${group}-Eligible`] },
    };
  }
  if (entries.length > 0) {
    mapped.push(
      `group_assignments → roles (${String(Object.keys(roles).length)}), each an Entra PIM for Groups role (source: entra-pim) as in the seed, activation up to PT8H with justification and MFA`,
    );
    toDo.push(
      `eligibility.members of each role is a placeholder group (<group>-Eligible): name who is eligible in PIM (users or Entra groups); jit apply will write it into PIM once it provisions Entra`,
    );
    fixed.push(
      `access no longer waits for Entra's provisioning cycle (up to 40 minutes): JIT Access reads PIM every 10 s, grants within one pass, and at the PIM end removes access and ends live AWS sessions`,
    );
  }

  const aws: Record<string, unknown> = {};
  const region = get('aws_region') ?? get('region');
  if (typeof region === 'string') {
    aws['region'] = region;
    mapped.push('aws_region → aws.region');
  }
  const instanceArn = get('instance_arn');
  const storeId = get('identity_store_id');
  if (typeof instanceArn === 'string' && instanceArn !== '') {
    aws['identityCenter'] = {
      instanceArn,
      ...(typeof storeId === 'string' && storeId !== '' ? { identityStoreId: storeId } : {}),
    };
    mapped.push('instance_arn, identity_store_id → aws.identityCenter');
  } else if (typeof storeId === 'string' && storeId !== '') {
    notMapped.push(
      `identity_store_id (${where('identity_store_id')}) without instance_arn: left to ListInstances, which finds both`,
    );
  }
  for (const name of ['enable_monitoring', 'alarm_sns_topic_arn', 'cloudtrail_log_group_name'])
    if (vars.has(name))
      notMapped.push(
        `${name} (${where(name)}): monitoring is deployed by the CDK app (issue 12), not by this config`,
      );

  if (errors.length > 0) throw new TfvarsImportError(`${file} cannot be imported`, errors);

  toDo.push(
    `entra.tenantId, entra.clientId and auth.oidc are placeholders (${PLACEHOLDER_GUID}): fill them in from your app registration (docs/live.md); until then, jit plan --cloud aws plans Identity Center alone`,
  );
  const config = {
    mode: 'live',
    permissionSets,
    roles,
    ...(Object.keys(aws).length > 0 ? { aws } : {}),
    entra: {
      tenantId: PLACEHOLDER_GUID,
      clientId: PLACEHOLDER_GUID,
      clientSecretEnv: 'JIT_ENTRA_CLIENT_SECRET',
    },
    auth: {
      oidc: {
        issuer: `https://login.microsoftonline.com/${PLACEHOLDER_GUID}/v2.0`,
        clientId: PLACEHOLDER_GUID,
        clientSecretEnv: 'JIT_OIDC_CLIENT_SECRET',
        mfaEvidence: 'acrs:c1',
      },
    },
    server: { publicUrl: 'https://jit.example.com' },
  };
  const header = [
    `# Imported from ${file} by jit import tfvars. Review it, fill in the placeholders,`,
    '# then: jit config validate, jit doctor, jit plan.',
  ].join('\n');
  return {
    yaml: `${header}\n${stringify(config, { lineWidth: 0, aliasDuplicateObjects: false })}`,
    report: { mapped, notMapped, fixed, toDo },
  };
}

/** A role name from a group name: `JIT-EC2-Admin` → `ec2-admin`. */
function roleNameOf(group: string, key: string | undefined): string {
  const base = (key ?? group)
    .replace(/^jit[-_ ]?/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return base === '' ? 'role' : base;
}

export type { Located };
