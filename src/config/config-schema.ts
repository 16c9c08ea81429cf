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
import { checkInlinePolicy, INLINE_POLICY_MAX_BYTES } from './inline-policy.js';

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

const policyArn = field(checkPolicyArn, {
  json: { type: 'string', pattern: POLICY_ARN.source },
});
const accountId = field(checkAccountId, {
  json: {
    type: 'string',
    pattern: ACCOUNT_ID.source,
    description: '12-digit AWS account id, quoted',
  },
});

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
  name: policyName.describe('The IAM policy name.'),
  path: iamPath.default('/').describe('The IAM path, "/" or like /jit/.'),
});

const permissionsBoundary = strictObject({
  managedPolicyArn: policyArn
    .optional()
    .describe('An IAM managed policy ARN as the boundary (AWS-managed or customer-managed).'),
  customerManagedPolicy: customerManagedPolicy
    .optional()
    .describe('A customer-managed policy, by name and path, that must exist in every account.'),
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
  description: z.string().max(700).optional().describe("Shown in Identity Center's console."),
  sessionDuration: durationField({ min: HOUR, max: 12 * HOUR })
    .default(HOUR)
    .describe(
      'How long an AWS session from this permission set lasts; sessions open when a grant ends are denied by the revocation SCP.',
    ),
  managedPolicies: z
    .array(policyArn)
    .default([])
    .describe('IAM managed policy ARNs attached to the permission set.'),
  customerManagedPolicies: z
    .array(customerManagedPolicy)
    .default([])
    .describe(
      'Customer-managed policies (by name and path) attached; they must exist in every account.',
    ),
  inlinePolicy: field(checkInlinePolicy, {
    json: {
      type: ['string', 'object'],
      description: `at most ${INLINE_POLICY_MAX_BYTES.toLocaleString('en-US')} bytes minified`,
    },
  })
    .optional()
    .describe('An inline IAM policy document (JSON text or a mapping).'),
  permissionsBoundary: permissionsBoundary
    .optional()
    .describe(
      'The permissions boundary: exactly one of managedPolicyArn or customerManagedPolicy.',
    ),
  relayState: field(checkRelayState, {
    json: { type: 'string', format: 'uri', maxLength: 240 },
  })
    .optional()
    .describe('Where the AWS access portal sends people after sign-in, e.g. a console URL.'),
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
    .default({})
    .describe('AWS tags on the permission set.'),
});

const principalList = z.array(z.string().min(1));

const approval = strictObject({
  required: z.boolean().default(false).describe('Whether a request needs approval.'),
  approvers: principalList
    .default([])
    .describe('Users (handle or e-mail) and groups who may approve.'),
  quorum: z.number().int().min(1).default(1).describe('How many different approvers must approve.'),
  allowSelfApproval: z
    .boolean()
    .default(false)
    .describe('Only break-glass roles allow self-approval: set breakGlass on the role instead.'),
});

const activation = strictObject({
  maxDuration: durationField({ min: 30 * MINUTE, max: 24 * HOUR })
    .default(8 * HOUR)
    .describe('The longest a grant may last (PIM for Groups allows 30 minutes to 24 hours).'),
  defaultDuration: durationField({ min: 5 * MINUTE })
    .optional()
    .describe('The duration when a request names none; at most maxDuration.'),
  requireJustification: z.boolean().default(true).describe('Whether a request must say why.'),
  requireTicket: z.boolean().default(false).describe('Whether a request must name a ticket.'),
  requireMfa: z
    .boolean()
    .default(true)
    .describe("Whether the requester's sign-in must carry MFA evidence within server.mfaMaxAge."),
  approval: approval.prefault({}).describe('Who approves, and how many.'),
  maxStartDelay: durationField({ min: MINUTE, max: 90 * DAY })
    .default(7 * DAY)
    .describe('How far ahead a scheduled grant may start.'),
});

const eligibility = strictObject(
  {
    members: z
      .array(z.string().min(1), {
        error: missing('list the users or groups who may request this role'),
      })
      .min(1, { error: 'is empty; list the users or groups who may request this role' })
      .describe('Users (handle or e-mail) and groups who may request the role.'),
    maxEligibility: durationField({ min: DAY, wholeDays: true })
      .optional()
      .describe('For Entra PIM roles: how long an eligibility lasts before it must be renewed.'),
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
  description: z.string().max(1024).optional().describe('Shown to requesters.'),
  group: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .describe('The Identity Center group that carries the access (group-membership roles).'),
  permissionSet: z
    .string({ error: missing('name one of the keys of permissionSets') })
    .describe('The permission set the role grants: a key of permissionSets.'),
  accounts: z
    .array(accountId, { error: missing("list the role's 12-digit AWS account ids") })
    .default([])
    .describe('The AWS accounts the role covers.'),
  organizationalUnits: z
    .array(
      z.string().regex(/^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/, {
        error: (issue) =>
          `${describeValue(issue.input)} is not an organisational unit id; use ou-xxxx-xxxxxxxx (or the root, r-xxxx), as Organizations shows it`,
      }),
    )
    .default([])
    .describe('Organizational units (or the root) whose accounts the role covers.'),
  enforcement: z
    .enum(['group-membership', 'account-assignment'])
    .default('group-membership')
    .describe(
      "How access is given: membership of the role's group, or an account assignment per person and account.",
    ),
  source: z
    .enum(['native', 'entra-pim'])
    .default('native')
    .describe("Where activations come from: JIT Access's own workflow, or Entra PIM for Groups."),
  entraGroup: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('For entra-pim roles: the PIM-enabled Entra group (name or object id).'),
  drift: z
    .enum(['report', 'enforce'])
    .default('report')
    .describe('Access no grant backs: report it, or remove it.'),
  activation: activation.prefault({}).describe('The rules a request must meet.'),
  eligibility: eligibility.describe('Who may request the role.'),
  breakGlass: z
    .boolean()
    .default(false)
    .describe(
      'Break-glass: the requester may approve their own request with a mandatory reason, which raises an alert and is audited.',
    ),
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
    })
    .describe('The e-mail address (the Identity Center user name).'),
  displayName: z.string().min(1).optional().describe('The name shown in Identity Center.'),
  mfa: z.boolean().default(false).describe('Sandbox: whether this user signs in with MFA.'),
});

const groupName = z
  .string()
  .max(128)
  .regex(/^[^@\s](?:[^@]*[^@\s])?$/, {
    error: (issue) =>
      `group name ${describeValue(issue.input)} may not contain "@" (that marks an e-mail) or start or end with a space; rename it`,
  });

const directoryGroup = strictObject({
  description: z.string().max(1024).optional().describe('Shown in Identity Center.'),
  members: principalList.default([]).describe('User handles or e-mail addresses.'),
});

const directory = strictObject({
  users: z
    .record(handle, directoryUser)
    .default({})
    .describe('People by handle (sandbox: created in the emulators).'),
  groups: z
    .record(groupName, directoryGroup)
    .default({})
    .describe('Groups by name, with their members.'),
});

const store = strictObject({
  sqlite: z
    .string()
    .min(1)
    .default('.jit/jit.db')
    .describe(
      'The SQLite file, relative to the config file; DATABASE_URL (or DATABASE_URL_FILE) in the environment selects PostgreSQL instead.',
    ),
});

const audit = strictObject({
  checkpoints: strictObject({
    /** Where signed head checkpoints are appended (default: beside the SQLite file); keep
     *  it off the database's disk. */
    file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Where signed head checkpoints are appended (default: beside the SQLite file); keep it off the database disk.',
      ),
    interval: durationField({ min: 10_000, max: HOUR })
      .default(MINUTE)
      .describe('How often a checkpoint is written.'),
  })
    .prefault({})
    .describe('Signed checkpoints of the audit chain head.'),
});

const controller = strictObject({
  sweepInterval: durationField({ min: 10_000, max: HOUR })
    .default(5 * MINUTE)
    .describe('How often the controller compares Identity Center with the grants (drift sweep).'),
  maxConcurrency: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(8)
    .describe('How many target actions run at once.'),
  failSafe: strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "Also schedule each active grant's removal inside AWS (EventBridge Scheduler, one-time), so access ends at its end even when every controller is down.",
      ),
    margin: durationField({ min: 10_000, max: HOUR })
      .default(2 * MINUTE)
      .describe(
        'How long after the end the schedule fires (the controller removes access at the end itself; the schedule is the fallback).',
      ),
    scheduleGroup: z
      .string()
      .regex(/^[0-9a-zA-Z-_.]{1,64}$/, {
        error: (issue) =>
          `${describeValue(issue.input)} is not a schedule group name (1 to 64 of letters, digits, - _ .)`,
      })
      .default('jit-access')
      .describe(
        'The EventBridge Scheduler schedule group the product owns (created when missing).',
      ),
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
        error: (issue) =>
          `${describeValue(issue.input)} is not an IAM role ARN, e.g. arn:aws:iam::123456789012:role/jit-access-fail-safe`,
      })
      .optional()
      .describe(
        'The role EventBridge Scheduler assumes to remove access (the CDK app creates it); required in live mode when enabled.',
      ),
  })
    .prefault({})
    .describe(
      'The fail-safe expiry: a schedule in AWS removes the membership or assignment if no controller does. Session denial still needs the controller.',
    ),
});

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
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
    issuer: field(checkHttpUrl('https://login.microsoftonline.com/<tenant id>/v2.0', true), {
      json: { type: 'string', format: 'uri' },
    }).describe("The provider's issuer URL, exactly as its discovery document names it."),
    clientId: z
      .string({
        error: missing("give the application (client) id of the server's app registration"),
      })
      .min(1)
      .describe("The application (client) id of the server's app registration."),
    clientSecretEnv: field(checkEnvName, { json: { type: 'string', pattern: ENV_NAME.source } })
      .optional()
      .describe('The environment variable holding the client secret (never the secret itself).'),
    cliClientId: z
      .string()
      .min(1)
      .optional()
      .describe('A public client id for `jit login` (default: clientId).'),
    redirectUri: field(checkHttpUrl('https://jit.example.com/auth/callback'), {
      json: { type: 'string', format: 'uri' },
    })
      .optional()
      .describe(
        'The callback URL registered with the provider (default: publicUrl + /auth/callback).',
      ),
    scopes: z
      .array(
        z.string().regex(SCOPE, {
          error: (issue) =>
            `${describeValue(issue.input)} is not an OAuth scope; scopes have no spaces or quotes, e.g. openid`,
        }),
      )
      .min(1)
      .default(['openid', 'profile', 'email'])
      .describe('The scopes asked for at sign-in.'),
    allowInsecureRequests: z
      .boolean()
      .default(false)
      .describe('Allow an http:// provider (local emulators only).'),
    mfaEvidence: field(checkMfaEvidence, {
      json: { type: 'string', pattern: MFA_EVIDENCE.source },
    })
      .optional()
      .describe(
        'What proves MFA: amr (the id_token lists mfa) or acrs:c<N> (an Entra authentication context).',
      ),
  },
  { missing: 'give issuer and clientId of the OIDC provider (see docs/configuration.md#auth)' },
);

const session = strictObject({
  ttl: durationField({ min: 5 * MINUTE, max: 7 * DAY })
    .default(8 * HOUR)
    .describe('How long a sign-in session lasts.'),
  idleTimeout: durationField({ min: MINUTE, max: DAY })
    .optional()
    .describe('End a session unused for this long.'),
});

const auth = strictObject({
  oidc: oidc.optional().describe('Sign-in with an OpenID provider (Microsoft Entra ID).'),
  session: session.prefault({}).describe('Sign-in sessions.'),
});

const server = strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('The address to listen on.'),
  port: z.number().int().min(1).max(65_535).default(8400).describe('The port to listen on.'),
  mfaMaxAge: durationField({ min: MINUTE, max: 24 * HOUR })
    .default(HOUR)
    .describe('How recent the MFA at sign-in must be for roles with requireMfa.'),
  pendingRequestTtl: durationField({ min: 10 * MINUTE, max: 7 * DAY })
    .default(24 * HOUR)
    .describe('A request not approved within this lapses (cancelled by the controller).'),
  maxOpenGrantsPerPerson: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(20)
    .describe('Requests, scheduled and active grants one person may have open at once.'),
  trustProxy: z
    .union([z.boolean(), z.number().int().min(1).max(10), z.array(z.string().min(1)).min(1)], {
      error:
        'give true, a number of proxy hops (1-10), or a list of proxy addresses or CIDRs, e.g. [10.0.0.0/8]',
    })
    .default(false)
    .describe(
      "Behind a load balancer: true (trust X-Forwarded-* from any peer), a hop count, or the proxies' addresses or CIDRs. Off: a client could forge its address.",
    ),
  publicUrl: z
    .url({
      protocol: /^https?$/,
      error: (issue) =>
        `${describeValue(issue.input)} is not an http(s) URL; give the address people reach the server at, e.g. https://jit.example.com`,
    })
    .optional()
    .describe(
      'Where people reach the server, e.g. https://jit.example.com: the base of redirects.',
    ),
  controller: controller.prefault({}).describe('The controller that applies grants to the clouds.'),
  metrics: strictObject({
    emf: strictObject({
      enabled: z
        .boolean()
        .default(false)
        .describe(
          'Also write the metrics to standard output in CloudWatch embedded metric format (one JSON line per metric and label set), which CloudWatch Logs turns into metrics.',
        ),
      interval: durationField({ min: 10_000, max: HOUR })
        .default(MINUTE)
        .describe('How often the embedded-metric lines are written.'),
      namespace: z
        .string()
        .regex(/^[\w .#:/-]{1,255}$/, {
          error: (issue) =>
            `${describeValue(issue.input)} is not a CloudWatch namespace (1 to 255 of letters, digits, space and . - _ / # :)`,
        })
        .default('JitAccess')
        .describe('The CloudWatch namespace of the embedded metrics.'),
    })
      .prefault({})
      .describe('CloudWatch embedded metric format, beside GET /metrics.'),
  })
    .prefault({})
    .describe('Metrics besides GET /metrics (Prometheus).'),
});

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
      // No `i` flag: a JSON Schema pattern cannot carry one (the schema is published).
      /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$|^[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/,
      {
        error: (issue) =>
          `${describeValue(issue.input)} is not a tenant id; give the directory (tenant) id GUID or a verified domain, e.g. contoso.onmicrosoft.com`,
      },
    )
    .optional()
    .describe('The directory (tenant) id, or a verified domain.'),
  clientId: z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
      error: (issue) =>
        `${describeValue(issue.input)} is not an application (client) id; copy the GUID from the app registration's overview`,
    })
    .optional()
    .describe("The app registration's application (client) id."),
  clientSecretEnv: envName
    .optional()
    .describe('The environment variable holding the client secret (or use certificate).'),
  certificate: strictObject({
    privateKeyFile: z.string().min(1).describe('PEM private key file.'),
    certificateFile: z.string().min(1).describe('PEM certificate file (uploaded to the app).'),
  })
    .optional()
    .describe('Client credentials with a certificate instead of a secret.'),
  authority: httpUrl
    .default('https://login.microsoftonline.com')
    .describe('The Entra sign-in authority.'),
  graphUrl: httpUrl
    .default('https://graph.microsoft.com/v1.0')
    .describe('The Microsoft Graph base URL.'),
  pollInterval: durationField({ min: 2_000, max: 5 * MINUTE })
    .default(10_000)
    .describe('How often PIM for Groups activations are read.'),
  userAttribute: z
    .enum(['userPrincipalName', 'mail'])
    .default('userPrincipalName')
    .describe("The Entra attribute that matches an Identity Center user's name."),
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
    .optional()
    .describe("Identity Center's home region (default: the SDK's region)."),
  roleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
      error: (issue) =>
        `${describeValue(issue.input)} is not an IAM role ARN, e.g. arn:aws:iam::123456789012:role/jit-controller`,
    })
    .optional()
    .describe('A role the controller assumes with the credentials of the default chain.'),
  externalId: z
    .string()
    .min(2)
    .max(1224)
    .optional()
    .describe("The external id roleArn's trust policy requires."),
  provisionerRoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
      error: (issue) =>
        `${describeValue(issue.input)} is not an IAM role ARN, e.g. arn:aws:iam::123456789012:role/jit-access-provisioner`,
    })
    .optional()
    .describe(
      "The role jit plan and jit apply assume instead of roleArn (the deployment's provisioner role).",
    ),
  identityCenter: strictObject({
    instanceArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/, {
        error: (issue) =>
          `${describeValue(issue.input)} is not an Identity Center instance ARN, e.g. arn:aws:sso:::instance/ssoins-1234567890abcdef; leave it out to find it with ListInstances`,
      })
      .optional()
      .describe('The instance ARN (default: found with ListInstances).'),
    identityStoreId: z
      .string()
      .regex(/^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
        error: (issue) =>
          `${describeValue(issue.input)} is not an identity store id, e.g. d-1234567890; leave it out to find it with ListInstances`,
      })
      .optional()
      .describe('The identity store id (default: found with ListInstances).'),
  })
    .prefault({})
    .describe('The IAM Identity Center instance.'),
  revocation: strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Deny sessions open when a grant ends (managed SCP). Off: they outlive the grant by up to their session duration.',
      ),
    targetId: z
      .string()
      .regex(/^r-[0-9a-z]{4,32}$|^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, {
        error: (issue) =>
          `${describeValue(issue.input)} is not a root or OU id; give r-xxxx (the root: every account) or ou-xxxx-yyyyyyyy`,
      })
      .optional()
      .describe('The root (r-xxxx) or OU (ou-xxxx-yyyyyyyy) the revocation SCP is attached to.'),
    policyName: z
      .string()
      .min(1)
      .max(128)
      .default('JitSessionRevocation')
      .describe('The name of the managed revocation SCP.'),
    managementAccountId: awsAccountId
      .optional()
      .describe(
        'The management account (no SCP applies there: its Denies go inline); found with DescribeOrganization when left out.',
      ),
  })
    .prefault({})
    .describe('Ending AWS sessions already open when access ends.'),
});

/** `jit check`'s accepted findings: each names the rule (and the resource) with a reason. */
const check = strictObject({
  suppress: z
    .array(
      strictObject({
        rule: z
          .string()
          .regex(/^JIT\d{3}$/, {
            error: (issue) =>
              `${describeValue(issue.input)} is not a jit check rule id; write it like JIT001 (docs/check.md lists them)`,
          })
          .describe('The rule id, e.g. JIT004.'),
        resource: z
          .string()
          .min(1)
          .optional()
          .describe(
            'The resource, e.g. roles.break-glass; every resource of the rule when left out.',
          ),
        reason: z
          .string({ error: missing('say why the finding is accepted (reason: ...)') })
          .min(10, { error: 'is too short; say why the finding is accepted, for the next reader' })
          .describe('Why the finding is accepted, for the next reader.'),
      }),
    )
    .default([])
    .describe('Accepted findings of jit check, each with a reason.'),
  /** No AWS or Graph API tells when Identity Center's SCIM token expires: recorded here. */
  scimTokenExpiresAt: z.iso
    .date({
      error: (issue) =>
        `${describeValue(issue.input)} is not a date; give the day Identity Center's SCIM token expires, like 2027-06-30`,
    })
    .optional()
    .describe(
      "The day Identity Center's SCIM access token (used by Entra's provisioning) expires, a year after it was generated; jit check --live warns 30 days before.",
    ),
});

/** The whole file. */
export const configSchema = strictObject({
  mode: z
    .enum(['sandbox', 'live'], {
      error: missing(
        'set mode: sandbox (local emulated clouds) or mode: live (real AWS and Entra)',
      ),
    })
    .describe('sandbox: local emulated clouds; live: real AWS and Entra.'),
  admins: principalList
    .default([])
    .describe('Users and groups who may revoke or cancel any grant.'),
  permissionSets: z
    .record(permissionSetName, permissionSet, {
      error: missing('declare the permission sets your roles use under permissionSets'),
    })
    .describe('Identity Center permission sets by name (at most 32 characters).'),
  roles: z
    .record(roleName, role, { error: missing('declare at least one role under roles') })
    .describe('The roles people request, by kebab-case name.'),
  directory: directory.optional().describe('Sandbox: the people and groups the emulators hold.'),
  entra: entra.optional().describe('Microsoft Entra ID: Graph access for PIM for Groups.'),
  aws: aws.optional().describe('Live AWS: where the controller acts (credentials never go here).'),
  store: store.prefault({}).describe('Where grants and the audit log are kept.'),
  audit: audit.prefault({}).describe('The audit log.'),
  server: server.prefault({}).describe('The HTTP server and the controller.'),
  auth: auth.prefault({}).describe('How people sign in.'),
  check: check.prefault({}).describe('jit check settings.'),
});

/** The file after the schema: defaults applied, durations in milliseconds, names unresolved. */
export type RawConfig = z.output<typeof configSchema>;
