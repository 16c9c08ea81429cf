// The shape of `jit.config.yaml` as a zod schema: types, formats, ranges and defaults of
// each key. Checks that span keys (references, quorum, durations against each other) run
// afterwards in build-config.ts, on the value this schema returns.
import { z } from 'zod';
import { DAY, HOUR, MINUTE } from '../core/duration.js';
import {
  describeValue,
  durationField,
  field,
  QUOTE_SOURCE,
  strictObject,
  type FieldCheck,
} from './config-fields.js';
import { checkInlinePolicy } from './inline-policy.js';

/** AWS's pattern for permission set and IAM policy names. */
const AWS_NAME = /^[\w+=,.@-]+$/;
const ROLE_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const HANDLE = /^[A-Za-z0-9][\w.-]*$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const ACCOUNT_ID = /^\d{12}$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(?:aws|\d{12}):policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/;
const IAM_PATH = /^\/(?:[\x21-\x7E]+\/)?$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;

function missing(hint: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? `missing; ${hint}` : undefined;
}

function checkAccountId(input: unknown): FieldCheck<string> {
  if (typeof input === 'number') {
    return {
      ok: false,
      message: `${input} is a YAML number, which loses leading zeros; quote it: '${input}'`,
      params: { [QUOTE_SOURCE]: true },
    };
  }
  if (typeof input !== 'string') {
    return {
      ok: false,
      message: `expected a 12-digit AWS account id in quotes, got ${describeValue(input)}`,
    };
  }
  if (!ACCOUNT_ID.test(input)) {
    return {
      ok: false,
      message: `${describeValue(input)} is not a 12-digit AWS account id; write all 12 digits, in quotes, e.g. '111111111111'`,
    };
  }
  return { ok: true, value: input };
}

function checkPolicyArn(input: unknown): FieldCheck<string> {
  if (typeof input === 'string' && POLICY_ARN.test(input)) return { ok: true, value: input };
  return {
    ok: false,
    message: `${describeValue(input)} is not an IAM policy ARN; write it like arn:aws:iam::aws:policy/ReadOnlyAccess`,
  };
}

function checkRelayState(input: unknown): FieldCheck<string> {
  if (typeof input !== 'string') {
    return { ok: false, message: `expected a URL, got ${describeValue(input)}` };
  }
  let url: URL | undefined;
  try {
    url = new URL(input);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return {
      ok: false,
      message: `${describeValue(input)} is not an http(s) URL; write it like https://console.aws.amazon.com/ec2`,
    };
  }
  if (input.length > 240) {
    return {
      ok: false,
      message: `is ${input.length} characters long; Identity Center allows 240, shorten it`,
    };
  }
  return { ok: true, value: input };
}

const policyName = z
  .string({ error: missing('give the policy name, e.g. JitPermissionsBoundary') })
  .min(1)
  .max(128, { error: 'is longer than 128 characters, the IAM limit; shorten it' })
  .regex(AWS_NAME, {
    error: (issue) =>
      `${describeValue(issue.input)} has characters IAM does not allow in a policy name; use letters, digits and + = , . @ _ -`,
  });

const iamPath = z
  .string()
  .max(512)
  .regex(IAM_PATH, {
    error: (issue) =>
      `${describeValue(issue.input)} is not an IAM path; use "/" or a path that starts and ends with "/", e.g. /jit/`,
  });

const customerManagedPolicy = strictObject({
  name: policyName,
  path: iamPath.default('/'),
});

const permissionsBoundary = strictObject({
  managedPolicyArn: field(checkPolicyArn).optional(),
  customerManagedPolicy: customerManagedPolicy.optional(),
}).transform(
  (
    boundary,
    ctx,
  ): { managedPolicyArn: string } | { customerManagedPolicy: { name: string; path: string } } => {
    if (boundary.managedPolicyArn !== undefined && boundary.customerManagedPolicy === undefined) {
      return { managedPolicyArn: boundary.managedPolicyArn };
    }
    if (boundary.customerManagedPolicy !== undefined && boundary.managedPolicyArn === undefined) {
      return { customerManagedPolicy: boundary.customerManagedPolicy };
    }
    ctx.issues.push({
      code: 'custom',
      input: boundary,
      message:
        boundary.managedPolicyArn === undefined
          ? 'names no policy; give customerManagedPolicy: { name: ... } or managedPolicyArn: arn:...'
          : 'names two policies; a permissions boundary is one policy, keep either customerManagedPolicy or managedPolicyArn',
    });
    return z.NEVER;
  },
);

const permissionSetName = z
  .string()
  .max(32, {
    error: (issue) =>
      `permission set name ${describeValue(issue.input)} is ${typeof issue.input === 'string' ? issue.input.length : 'over 32'} characters long; AWS allows at most 32, shorten it`,
  })
  .regex(AWS_NAME, {
    error: (issue) =>
      `permission set name ${describeValue(issue.input)} has characters AWS does not allow; use letters, digits and + = , . @ _ -`,
  });

const permissionSet = strictObject({
  description: z.string().max(700).optional(),
  sessionDuration: durationField({ min: HOUR, max: 12 * HOUR }).default(HOUR),
  managedPolicies: z.array(field(checkPolicyArn)).default([]),
  customerManagedPolicies: z.array(customerManagedPolicy).default([]),
  inlinePolicy: field(checkInlinePolicy).optional(),
  permissionsBoundary: permissionsBoundary.optional(),
  relayState: field(checkRelayState).optional(),
  tags: z
    .record(
      z
        .string()
        .max(128)
        .regex(TAG_KEY, {
          error: (issue) =>
            `tag key ${describeValue(issue.input)} has characters AWS does not allow in a tag key; use letters, digits, spaces and _ . : / = + - @`,
        }),
      z.string().max(256),
    )
    .default({}),
});

const principalList = z.array(z.string().min(1));

const approval = strictObject({
  required: z.boolean().default(false),
  approvers: principalList.default([]),
  quorum: z.number().int().min(1).default(1),
  allowSelfApproval: z.boolean().default(false),
});

const activation = strictObject({
  maxDuration: durationField({ min: 30 * MINUTE, max: 24 * HOUR }).default(8 * HOUR),
  defaultDuration: durationField({ min: 5 * MINUTE }).optional(),
  requireJustification: z.boolean().default(true),
  requireTicket: z.boolean().default(false),
  requireMfa: z.boolean().default(true),
  approval: approval.prefault({}),
  maxStartDelay: durationField({ min: MINUTE, max: 90 * DAY }).default(7 * DAY),
});

const eligibility = strictObject(
  {
    members: z
      .array(z.string().min(1), {
        error: missing('list the users or groups who may request this role'),
      })
      .min(1, { error: 'is empty; list the users or groups who may request this role' }),
    maxEligibility: durationField({ min: DAY, wholeDays: true }).optional(),
  },
  { missing: 'list who may request this role under eligibility.members' },
);

const roleName = z
  .string()
  .max(64)
  .regex(ROLE_NAME, {
    error: (issue) =>
      `role name ${describeValue(issue.input)} is not lower-case kebab-case; use letters a-z, digits and single hyphens, e.g. prod-db-admin`,
  });

const role = strictObject({
  description: z.string().max(1024).optional(),
  group: z.string().min(1).max(1024).optional(),
  permissionSet: z.string({ error: missing('name one of the keys of permissionSets') }),
  accounts: z
    .array(field(checkAccountId), { error: missing("list the role's 12-digit AWS account ids") })
    .default([]),
  organizationalUnits: z
    .array(
      z.string().regex(/^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/, {
        error: (issue) =>
          `${describeValue(issue.input)} is not an organisational unit id; use ou-xxxx-xxxxxxxx (or the root, r-xxxx), as Organizations shows it`,
      }),
    )
    .default([]),
  enforcement: z.enum(['group-membership', 'account-assignment']).default('group-membership'),
  source: z.enum(['native', 'entra-pim']).default('native'),
  entraGroup: z.string().min(1).max(256).optional(),
  drift: z.enum(['report', 'enforce']).default('report'),
  activation: activation.prefault({}),
  eligibility,
  breakGlass: z.boolean().default(false),
});

const handle = z
  .string()
  .max(64)
  .regex(HANDLE, {
    error: (issue) =>
      `user handle ${describeValue(issue.input)} is not a plain handle; use letters, digits and . _ - (the e-mail goes under email)`,
  });

const directoryUser = strictObject({
  email: z
    .string({ error: missing('give the e-mail address, e.g. alice@example.com') })
    .regex(EMAIL, {
      error: (issue) =>
        `${describeValue(issue.input)} is not an e-mail address; write it like alice@example.com`,
    }),
  displayName: z.string().min(1).optional(),
  mfa: z.boolean().default(false),
});

const groupName = z
  .string()
  .max(128)
  .regex(/^[^@\s](?:[^@]*[^@\s])?$/, {
    error: (issue) =>
      `group name ${describeValue(issue.input)} may not contain "@" (that marks an e-mail) or start or end with a space; rename it`,
  });

const directoryGroup = strictObject({
  description: z.string().max(1024).optional(),
  members: principalList.default([]),
});

const directory = strictObject({
  users: z.record(handle, directoryUser).default({}),
  groups: z.record(groupName, directoryGroup).default({}),
});

const store = strictObject({
  sqlite: z.string().min(1).default('.jit/jit.db'),
});

const audit = strictObject({
  checkpoints: strictObject({
    /** Where signed head checkpoints are appended (default: beside the SQLite file); keep
     *  it off the database's disk. */
    file: z.string().min(1).optional(),
    interval: durationField({ min: 10_000, max: HOUR }).default(MINUTE),
  }).prefault({}),
});

const controller = strictObject({
  sweepInterval: durationField({ min: 10_000, max: HOUR }).default(5 * MINUTE),
  maxConcurrency: z.number().int().min(1).max(20).default(8),
});

const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const MFA_EVIDENCE = /^(?:amr|acrs:c[1-9]\d?)$/;

function checkHttpUrl(example: string, keepTrailingSlash = false) {
  return (input: unknown): FieldCheck<string> => {
    if (typeof input !== 'string') {
      return {
        ok: false,
        message: `expected a URL, got ${describeValue(input)}; write it like ${example}`,
      };
    }
    let url: URL | undefined;
    try {
      url = new URL(input);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      return {
        ok: false,
        message: `${describeValue(input)} is not an http(s) URL; write it like ${example}`,
      };
    }
    if (url.search !== '' || url.hash !== '') {
      return {
        ok: false,
        message: `${describeValue(input)} has a query or fragment; write it without ? and #, like ${example}`,
      };
    }
    return { ok: true, value: keepTrailingSlash ? input : input.replace(/\/+$/, '') };
  };
}

function checkEnvName(input: unknown): FieldCheck<string> {
  if (typeof input === 'string' && ENV_NAME.test(input)) return { ok: true, value: input };
  return {
    ok: false,
    message: `${describeValue(input)} is not the name of an environment variable; give the variable's name (e.g. JIT_OIDC_CLIENT_SECRET), never the secret itself`,
  };
}

function checkMfaEvidence(input: unknown): FieldCheck<'amr' | `acrs:${string}`> {
  if (typeof input === 'string' && MFA_EVIDENCE.test(input)) {
    return { ok: true, value: input as 'amr' | `acrs:${string}` };
  }
  return {
    ok: false,
    message: `${describeValue(input)} is not amr or acrs:c<N>; write amr (the id_token's amr lists mfa) or acrs:c1 (an Entra authentication context whose Conditional Access policy requires MFA)`,
  };
}

const oidc = strictObject(
  {
    // Kept exactly as written: the provider's discovery document must name the same issuer.
    issuer: field(checkHttpUrl('https://login.microsoftonline.com/<tenant id>/v2.0', true)),
    clientId: z
      .string({
        error: missing("give the application (client) id of the server's app registration"),
      })
      .min(1),
    clientSecretEnv: field(checkEnvName).optional(),
    cliClientId: z.string().min(1).optional(),
    redirectUri: field(checkHttpUrl('https://jit.example.com/auth/callback')).optional(),
    scopes: z
      .array(
        z.string().regex(SCOPE, {
          error: (issue) =>
            `${describeValue(issue.input)} is not an OAuth scope; scopes have no spaces or quotes, e.g. openid`,
        }),
      )
      .min(1)
      .default(['openid', 'profile', 'email']),
    allowInsecureRequests: z.boolean().default(false),
    mfaEvidence: field(checkMfaEvidence).optional(),
  },
  { missing: 'give issuer and clientId of the OIDC provider (see docs/configuration.md#auth)' },
);

const session = strictObject({
  ttl: durationField({ min: 5 * MINUTE, max: 7 * DAY }).default(8 * HOUR),
  idleTimeout: durationField({ min: MINUTE, max: DAY }).optional(),
});

const auth = strictObject({
  oidc: oidc.optional(),
  session: session.prefault({}),
});

const server = strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65_535).default(8400),
  mfaMaxAge: durationField({ min: MINUTE, max: 24 * HOUR }).default(HOUR),
  /** A request not approved within this lapses (cancelled by the controller). */
  pendingRequestTtl: durationField({ min: 10 * MINUTE, max: 7 * DAY }).default(24 * HOUR),
  /** Requests, scheduled and active grants one person may have open at once. */
  maxOpenGrantsPerPerson: z.number().int().min(1).max(1000).default(20),
  /** Behind a load balancer: true (trust X-Forwarded-* from any peer), a hop count, or the
   *  proxies' addresses/CIDRs. Off by default: a client could forge its address. */
  trustProxy: z
    .union([z.boolean(), z.number().int().min(1).max(10), z.array(z.string().min(1)).min(1)], {
      error:
        'give true, a number of proxy hops (1-10), or a list of proxy addresses or CIDRs, e.g. [10.0.0.0/8]',
    })
    .default(false),
  /** Where people reach the server, e.g. https://jit.example.com: the base of redirects. */
  publicUrl: z
    .url({
      protocol: /^https?$/,
      error: (issue) =>
        `${describeValue(issue.input)} is not an http(s) URL; give the address people reach the server at, e.g. https://jit.example.com`,
    })
    .optional(),
  controller: controller.prefault({}),
});

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const envName = z.string().regex(ENV_NAME, {
  error: (issue) =>
    `${describeValue(issue.input)} is not an environment variable name; name the variable that holds the secret, e.g. JIT_ENTRA_CLIENT_SECRET (never the secret itself)`,
});
const httpUrl = z.url({
  protocol: /^https?$/,
  error: (issue) => `${describeValue(issue.input)} is not an http(s) URL`,
});

const entra = strictObject({
  tenantId: z
    .string()
    .regex(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[a-z0-9.-]+\.[a-z]{2,}$/i,
      {
        error: (issue) =>
          `${describeValue(issue.input)} is not a tenant id; give the directory (tenant) id GUID or a verified domain, e.g. contoso.onmicrosoft.com`,
      },
    )
    .optional(),
  clientId: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
      error: (issue) =>
        `${describeValue(issue.input)} is not an application (client) id; copy the GUID from the app registration's overview`,
    })
    .optional(),
  clientSecretEnv: envName.optional(),
  certificate: strictObject({
    privateKeyFile: z.string().min(1),
    certificateFile: z.string().min(1),
  }).optional(),
  authority: httpUrl.default('https://login.microsoftonline.com'),
  graphUrl: httpUrl.default('https://graph.microsoft.com/v1.0'),
  pollInterval: durationField({ min: 2_000, max: 5 * MINUTE }).default(10_000),
  userAttribute: z.enum(['userPrincipalName', 'mail']).default('userPrincipalName'),
});

const awsAccountId = z.string().regex(/^\d{12}$/, {
  error: (issue) =>
    `${describeValue(issue.input)} is not an AWS account id; give its 12 digits, quoted`,
});

/** Live AWS: where the controller acts. Credentials never go here: the SDK's default chain
 *  finds them (environment, profiles, SSO, web identity, ECS, EC2), optionally assuming
 *  `roleArn`. */
const aws = strictObject({
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, {
      error: (issue) => `${describeValue(issue.input)} is not an AWS region, e.g. eu-west-1`,
    })
    .optional(),
  roleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
      error: (issue) =>
        `${describeValue(issue.input)} is not an IAM role ARN, e.g. arn:aws:iam::123456789012:role/jit-controller`,
    })
    .optional(),
  externalId: z.string().min(2).max(1224).optional(),
  /** The role `jit plan` and `jit apply` assume instead of roleArn (the deployment's
   *  provisioner role: permission sets and assignments, none of the controller's writes). */
  provisionerRoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
      error: (issue) =>
        `${describeValue(issue.input)} is not an IAM role ARN, e.g. arn:aws:iam::123456789012:role/jit-access-provisioner`,
    })
    .optional(),
  identityCenter: strictObject({
    instanceArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/, {
        error: (issue) =>
          `${describeValue(issue.input)} is not an Identity Center instance ARN, e.g. arn:aws:sso:::instance/ssoins-1234567890abcdef; leave it out to find it with ListInstances`,
      })
      .optional(),
    identityStoreId: z
      .string()
      .regex(/^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
        error: (issue) =>
          `${describeValue(issue.input)} is not an identity store id, e.g. d-1234567890; leave it out to find it with ListInstances`,
      })
      .optional(),
  }).prefault({}),
  revocation: strictObject({
    /** Off: sessions already open outlive a grant by up to their SessionDuration. */
    enabled: z.boolean().default(true),
    /** The root (r-xxxx) or OU (ou-xxxx-yyyyyyyy) the revocation SCP is attached to. */
    targetId: z
      .string()
      .regex(/^r-[0-9a-z]{4,32}$|^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, {
        error: (issue) =>
          `${describeValue(issue.input)} is not a root or OU id; give r-xxxx (the root: every account) or ou-xxxx-yyyyyyyy`,
      })
      .optional(),
    policyName: z.string().min(1).max(128).default('JitSessionRevocation'),
    /** The management account (no SCP applies there: its Denies go inline); found with
     *  DescribeOrganization when left out. */
    managementAccountId: awsAccountId.optional(),
  }).prefault({}),
});

/** `jit check`'s accepted findings: each names the rule (and the resource) with a reason. */
const check = strictObject({
  suppress: z
    .array(
      strictObject({
        rule: z.string().regex(/^JIT\d{3}$/, {
          error: (issue) =>
            `${describeValue(issue.input)} is not a jit check rule id; write it like JIT001 (docs/check.md lists them)`,
        }),
        /** e.g. roles.break-glass; every resource of the rule when left out. */
        resource: z.string().min(1).optional(),
        reason: z
          .string({ error: missing('say why the finding is accepted (reason: ...)') })
          .min(10, { error: 'is too short; say why the finding is accepted, for the next reader' }),
      }),
    )
    .default([]),
});

/** The whole file. */
export const configSchema = strictObject({
  mode: z.enum(['sandbox', 'live'], {
    error: missing('set mode: sandbox (local emulated clouds) or mode: live (real AWS and Entra)'),
  }),
  admins: principalList.default([]),
  permissionSets: z.record(permissionSetName, permissionSet, {
    error: missing('declare the permission sets your roles use under permissionSets'),
  }),
  roles: z.record(roleName, role, { error: missing('declare at least one role under roles') }),
  directory: directory.optional(),
  entra: entra.optional(),
  aws: aws.optional(),
  store: store.prefault({}),
  audit: audit.prefault({}),
  server: server.prefault({}),
  auth: auth.prefault({}),
  check: check.prefault({}),
});

/** The file after the schema: defaults applied, durations in milliseconds, names unresolved. */
export type RawConfig = z.output<typeof configSchema>;
