// The deployment's settings file (`infra/jit.deploy.yaml`, copied from
// infra/examples/jit.deploy.example.yaml): where the controller runs and what the
// organisation stack creates. Everything about roles, permission sets, Identity Center,
// the revocation SCP and the cross-account role comes from the product's own config, which
// this file names: the deployment reads the same config the controller runs with.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { formatPath } from '../../src/config/config-path.js';
import { issueMessage } from '../../src/config/format-issues.js';
import { parseConfig, type JitConfig } from '../../src/config/index.js';

const accountId = z.string().regex(/^\d{12}$/, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not an AWS account id; give its 12 digits, quoted`,
});
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, {
  error: (issue) => `${JSON.stringify(issue.input)} is not an AWS region, e.g. eu-west-1`,
});
const email = z.email({ error: 'is not an e-mail address' });
const orgTarget = z.string().regex(/^r-[0-9a-z]{4,32}$|^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a root or OU id; give r-xxxx (every account) or ou-xxxx-yyyyyyyy`,
});

/** The memory sizes Fargate offers for each CPU size. */
const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
};

const RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

const postgres = z.strictObject({
  engine: z.literal('postgres'),
  instanceClass: z
    .string()
    .regex(/^[a-z0-9]+\.[a-z0-9]+$/, { error: 'is not an instance class, e.g. t4g.small' })
    .default('t4g.small'),
  multiAz: z.boolean().default(true),
  allocatedStorageGb: z.number().int().min(20).max(1000).default(20),
});
const aurora = z.strictObject({
  engine: z.literal('aurora-serverless'),
  minCapacity: z.number().min(0).max(256).default(0.5),
  maxCapacity: z.number().min(1).max(256).default(4),
  /** A reader in a second AZ that takes over when the writer fails. */
  reader: z.boolean().default(true),
});

const controller = z.strictObject({
  account: accountId,
  region,
  /** The two availability zones of the VPC; default the region's a and b (named, so the
   *  synth needs no AWS look-up). */
  availabilityZones: z
    .array(
      z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, {
        error: 'is not an availability zone, e.g. eu-west-1a',
      }),
    )
    .length(2, { error: 'give exactly two availability zones' })
    .optional(),
  /** `service`: tasks behind the load balancer on PostgreSQL; `singleNode`: one task, SQLite
   *  on EFS (see docs/deploy.md for the trade-off). */
  variant: z.enum(['service', 'singleNode']).default('service'),
  /** Tasks of the service variant; the leader lease makes more than one safe. */
  tasks: z.number().int().min(1).max(10).default(2),
  cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048)]).default(512),
  memoryMiB: z.number().int().min(512).max(16_384).default(1024),
  /** The ACM certificate of the load balancer's HTTPS listener (server.publicUrl's name). */
  certificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not an ACM certificate ARN, e.g. arn:aws:acm:eu-west-1:111111111111:certificate/0f1e...`,
    }),
  /** Who may reach the load balancer (HTTPS). */
  allowedCidrs: z
    .array(z.cidrv4({ error: 'is not an IPv4 CIDR, e.g. 10.0.0.0/8' }))
    .min(1)
    .default(['0.0.0.0/0']),
  database: z.discriminatedUnion('engine', [postgres, aurora]).prefault({ engine: 'postgres' }),
  /** Alarms (controller health, load balancer) e-mail this address besides the SNS topic. */
  alarmEmail: email.optional(),
  /** "No leader pass" fires after this many minutes without one; default twice the
   *  controller's sweep interval, at least 5. */
  noLeaderPassMinutes: z.number().int().min(2).max(1440).optional(),
  /** Log retention of the controller's log group, days (a value CloudWatch Logs offers). */
  logRetentionDays: z
    .number()
    .refine((days) => RETENTION_DAYS.includes(days), {
      error: `is not a retention CloudWatch Logs offers; use one of ${RETENTION_DAYS.join(', ')}`,
    })
    .default(365),
});

const organization = z.strictObject({
  /** The management account: Identity Center's organisation instance, the SCPs, the
   *  StackSet and the organisation trail are administered from it. */
  account: accountId,
  region,
  /** `aws organizations describe-organization` prints it: it scopes the SCP permissions and
   *  lets the organisation trail's bucket accept every account's logs. */
  organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not an organisation id; aws organizations describe-organization prints it, e.g. o-a1b2c3d4e5`,
  }),
  boundary: z
    .strictObject({
      /** Roots or OUs whose accounts get the boundary policy (a service-managed StackSet). */
      targets: z.array(orgTarget).min(1),
      /** One region is enough: IAM is global. Default the organization stack's region. */
      region: region.optional(),
      /** StackSets never deploy to the management account: create the policy there too. */
      includeManagementAccount: z.boolean().default(true),
      /** A JSON policy document replacing the default (allow, minus the seed's deny list). */
      documentFile: z.string().min(1).optional(),
    })
    .optional(),
  /** CloudTrail delivered to CloudWatch Logs: an existing trail's log group (Control Tower:
   *  aws-controltower/CloudTrailLogs), or a new organisation trail. */
  cloudTrail: z
    .union([
      z.strictObject({ logGroupName: z.string().min(1).max(512) }),
      z.strictObject({ create: z.literal(true) }),
    ])
    .prefault({ create: true }),
  /** When Identity Center's SCIM token (Entra's provisioning) expires: a reminder is sent
   *  `scimTokenWarningDays` before. */
  scimTokenExpiresAt: z.iso.date({ error: 'is not a date; write it like 2027-06-30' }).optional(),
  scimTokenWarningDays: z.number().int().min(1).max(90).default(30),
  alarmEmail: email.optional(),
});

const settingsSchema = z.strictObject({
  /** The product's jit.config.yaml, relative to this file. */
  config: z.string().min(1),
  controller,
  organization,
  /** Tags on every resource. */
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
});

export type DeploySettings = z.output<typeof settingsSchema>;
export type ControllerSettings = DeploySettings['controller'];
export type OrganizationSettings = DeploySettings['organization'];

/** The settings, the product config they name, and where relative paths start. */
export interface LoadedDeployment {
  readonly settings: DeploySettings;
  readonly config: JitConfig;
  /** The config document as written: the controller's task receives it verbatim. */
  readonly configDocument: string;
  readonly baseDir: string;
}

/** A settings or config file that cannot be used: every problem, one per line. */
export class DeploySettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'DeploySettingsError';
  }
}

/** Reads and checks the settings file and the product config it names. */
export function loadDeployment(settingsPath: string): LoadedDeployment {
  const text = readText(
    settingsPath,
    'copy infra/examples/jit.deploy.example.yaml there and fill it in',
  );
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new DeploySettingsError([
      `${settingsPath}: not YAML (${(error as Error).message.split('\n')[0] ?? ''})`,
    ]);
  }
  return checkDeployment(document, dirname(resolve(settingsPath)), settingsPath);
}

/** Checks a parsed settings document; `baseDir` anchors its relative paths. */
export function checkDeployment(
  document: unknown,
  baseDir: string,
  source: string,
): LoadedDeployment {
  const parsed = settingsSchema.safeParse(document, { error: issueMessage });
  if (!parsed.success) {
    throw new DeploySettingsError(
      parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map(
              (key) =>
                `${source}: ${formatPath([...issue.path, key])}: unknown key; remove it or check its spelling (docs/deploy.md lists the settings)`,
            )
          : [`${source}: ${formatPath(issue.path) || '(top level)'}: ${issue.message}`],
      ),
    );
  }
  const settings = parsed.data;
  const configPath = resolve(baseDir, settings.config);
  const configDocument = readText(configPath, `check "config:" in ${source}`);
  const loaded = parseConfig(configDocument, configPath);
  if (!loaded.ok) throw new DeploySettingsError(loaded.errors);
  const config = loaded.config;
  throwIfAny(crossChecks(settings, config, source));
  return { settings, config, configDocument, baseDir };
}

/** What the two files must agree on, and what the deployment needs that the config may omit. */
function crossChecks(settings: DeploySettings, config: JitConfig, source: string): string[] {
  const problems: string[] = [];
  if (config.mode !== 'live') {
    problems.push(`${settings.config}: mode is ${config.mode}; the deployment runs mode: live`);
  }
  const aws = config.aws;
  if (aws?.instanceArn === undefined || aws.identityStoreId === undefined) {
    problems.push(
      `${settings.config}: aws.identityCenter: give instanceArn and identityStoreId; the controller's role is scoped to them (aws sso-admin list-instances prints both)`,
    );
  }
  if (aws?.roleArn !== undefined) {
    const account = /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(aws.roleArn)?.[1];
    if (account !== settings.organization.account) {
      problems.push(
        `${settings.config}: aws.roleArn is in account ${account ?? '?'}, but organization.account in ${source} is ${settings.organization.account}; the organization stack creates that role, so they must match (or remove aws.roleArn to give the controller's task role the permissions itself)`,
      );
    }
  }
  if (aws?.roleArn === undefined && settings.controller.account !== settings.organization.account) {
    problems.push(
      `${settings.config}: aws.roleArn: the controller runs in ${settings.controller.account} but Identity Center and Organizations are administered from ${settings.organization.account}; set aws.roleArn to the role the organization stack creates there, e.g. arn:aws:iam::${settings.organization.account}:role/jit/jit-access-controller (or run the controller in ${settings.organization.account})`,
    );
  }
  const boundaries = customerManagedBoundaries(config);
  if (boundaries.length > 0 && settings.organization.boundary === undefined) {
    problems.push(
      `${source}: organization.boundary: the permission sets name ${boundaries.map((b) => `${b.path}${b.name}`).join(', ')}, which must exist in every account they reach; give organization.boundary.targets (e.g. [r-xxxx], the root) so the organization stack creates it`,
    );
  }
  const memory = FARGATE_MEMORY[settings.controller.cpu] ?? [];
  if (!memory.includes(settings.controller.memoryMiB)) {
    problems.push(
      `${source}: controller.memoryMiB: Fargate runs ${String(settings.controller.cpu)} CPU units with ${memory.join(', ')} MiB; ${String(settings.controller.memoryMiB)} is not one of them`,
    );
  }
  if (
    aws?.revocation.enabled !== false &&
    aws?.revocation.managementAccountId !== undefined &&
    aws.revocation.managementAccountId !== settings.organization.account
  ) {
    problems.push(
      `${settings.config}: aws.revocation.managementAccountId is ${aws.revocation.managementAccountId}, but organization.account in ${source} is ${settings.organization.account}`,
    );
  }
  if (config.server.publicUrl === undefined) {
    problems.push(
      `${settings.config}: server.publicUrl: give the HTTPS address people will use (the load balancer's DNS name or yours)`,
    );
  }
  return problems;
}

/** The customer-managed boundaries the config's permission sets name, once each. */
export function customerManagedBoundaries(config: JitConfig): { name: string; path: string }[] {
  const seen = new Map<string, { name: string; path: string }>();
  for (const set of config.permissionSets.values()) {
    const boundary = set.permissionsBoundary;
    if (boundary !== undefined && 'customerManagedPolicy' in boundary) {
      const { name, path } = boundary.customerManagedPolicy;
      seen.set(`${path}${name}`, { name, path });
    }
  }
  return [...seen.values()];
}

function readText(path: string, fix: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new DeploySettingsError([`${path}: cannot be read (${code}); ${fix}`]);
  }
}

function throwIfAny(problems: readonly string[]): void {
  if (problems.length > 0) throw new DeploySettingsError(problems);
}
