// The validated configuration of JIT Access: what `jit.config.yaml` becomes once the loader
// has checked it. Everything downstream (core, controller, API, emulators) reads these
// types and never the YAML, so defaults are already applied and names already resolved.
import type { Millis } from '../core/duration.js';
import type { PrincipalSet, Role } from '../core/role.js';
import type { DirectoryUser } from '../ports/directory.js';

/** A customer-managed IAM policy, referenced by name and path in every account. */
export interface CustomerManagedPolicyRef {
  readonly name: string;
  /** IAM path, `/` unless set. */
  readonly path: string;
}

/** Exactly one of the two kinds of permissions boundary Identity Center supports. */
export type PermissionsBoundaryConfig =
  | { readonly managedPolicyArn: string }
  | { readonly customerManagedPolicy: CustomerManagedPolicyRef };

/** An Identity Center permission set as the config declares it. */
export interface PermissionSetConfig {
  readonly name: string;
  readonly description?: string;
  readonly sessionDuration: Millis;
  readonly managedPolicies: readonly string[];
  readonly customerManagedPolicies: readonly CustomerManagedPolicyRef[];
  /** Minified JSON of the inline policy. */
  readonly inlinePolicy?: string;
  readonly permissionsBoundary?: PermissionsBoundaryConfig;
  readonly relayState?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface DirectoryGroupConfig {
  readonly name: string;
  readonly description?: string;
  /** Principal ids (lower-case e-mail) of the members. */
  readonly members: readonly string[];
}

/** The sandbox's people and groups (optional in live mode). */
export interface DirectoryConfig {
  readonly users: readonly DirectoryUser[];
  readonly groups: readonly DirectoryGroupConfig[];
}

export interface ControllerConfig {
  readonly sweepInterval: Millis;
  readonly maxConcurrency: number;
  /** Removal scheduled inside AWS too (EventBridge Scheduler), in case no controller runs. */
  readonly failSafe: FailSafeConfig;
}

export interface FailSafeConfig {
  readonly enabled: boolean;
  /** After the end: the controller removes access first; the schedule is the fallback. */
  readonly margin: Millis;
  readonly scheduleGroup: string;
  /** The role the scheduler assumes; the sandbox's stand-in when left out there. */
  readonly roleArn?: string;
}

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** How recent an MFA sign-in must be to count for a role that requires MFA. */
  readonly mfaMaxAge: Millis;
  /** A request not approved within this lapses. */
  readonly pendingRequestTtl: Millis;
  /** Open requests and grants one person may have at once. */
  readonly maxOpenGrantsPerPerson: number;
  /** Fastify's `trustProxy`: behind a load balancer, whose X-Forwarded-* to believe. */
  readonly trustProxy: boolean | number | readonly string[];
  /** Where people reach the server (no trailing slash); the base of redirect URLs. */
  readonly publicUrl?: string;
  readonly controller: ControllerConfig;
  /** CloudWatch embedded metric format on standard output, beside `GET /metrics`. */
  readonly metrics: {
    readonly emf: {
      readonly enabled: boolean;
      readonly interval: Millis;
      readonly namespace: string;
    };
  };
}

export interface StoreConfig {
  /** SQLite file, as written in the config (relative paths are relative to the working directory). */
  readonly sqlitePath: string;
}

export interface AuditConfig {
  /** Signed checkpoints of the chain head, appended to `file` every `interval` (ms) while
   *  the head moves; on when a signing key is given (JIT_AUDIT_SIGNING_KEY_FILE), and in
   *  the sandbox with a key generated beside the store. */
  readonly checkpoints: { readonly file: string; readonly interval: number };
}

/** How a sign-in proves MFA: the id_token's `amr` lists `mfa`, or its `acrs` lists an Entra
 *  authentication context (whose Conditional Access policy requires MFA). */
export type MfaEvidence =
  { readonly kind: 'amr' } | { readonly kind: 'acrs'; readonly value: string };

/** Sign-in with an OpenID Connect provider (Microsoft Entra ID, or the sandbox's emulator). */
export interface OidcConfig {
  /** The issuer, exactly as the provider names itself; discovery is under it at
   *  `/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly clientId: string;
  /** The name of the environment variable holding the client secret; none: a public client. */
  readonly clientSecretEnv?: string;
  /** A public client id the CLI may use for flows straight with the provider. */
  readonly cliClientId?: string;
  /** Where the provider sends people back; ends in `/auth/callback`. Sandbox default: the
   *  server's own address. */
  readonly redirectUri?: string;
  readonly scopes: readonly string[];
  /** Sandbox only: plain-http issuer and endpoints (the emulator). */
  readonly allowInsecureRequests: boolean;
  readonly mfaEvidence: MfaEvidence;
}

export interface SessionConfig {
  /** How long a sign-in lasts. */
  readonly ttl: Millis;
  /** A session unused this long ends; none: only `ttl` counts. */
  readonly idleTimeout?: Millis;
}

export interface AuthConfig {
  /** Required in live mode; optional in the sandbox, next to sandbox sign-in. */
  readonly oidc?: OidcConfig;
  readonly session: SessionConfig;
}

export type ConfigMode = 'sandbox' | 'live';

/** How JIT Access reaches Entra ID (Graph) for PIM roles. In sandbox mode the Entra emulator
 *  stands in, and tenant, client and credential are its own. */
export interface EntraConfig {
  readonly tenantId?: string;
  readonly clientId?: string;
  /** Either a client secret read from this environment variable, or a certificate. */
  readonly credential?:
    | { readonly kind: 'secret'; readonly env: string }
    | {
        readonly kind: 'certificate';
        readonly privateKeyFile: string;
        readonly certificateFile: string;
      };
  readonly authority: string;
  readonly graphUrl: string;
  /** How often the PIM holders of every managed group are read. */
  readonly pollInterval: Millis;
  /** Which Entra user attribute is the principal id (and the Identity Center userName). */
  readonly userAttribute: 'userPrincipalName' | 'mail';
}

/** Live AWS. Credentials come from the SDK's default chain, never from here. */
export interface AwsConfig {
  /** Default: the SDK's (AWS_REGION, the profile). */
  readonly region?: string;
  /** A role to assume over the chain's credentials, with its external id. */
  readonly roleArn?: string;
  readonly externalId?: string;
  /** What `jit plan`/`jit apply` assume instead of roleArn (with the same external id). */
  readonly provisionerRoleArn?: string;
  /** Found with ListInstances when left out. */
  readonly instanceArn?: string;
  readonly identityStoreId?: string;
  readonly revocation: {
    /** Live sessions are ended by the SCP (default); false only where Organizations is out
     *  of reach, and then sessions outlive a grant by up to their SessionDuration. */
    readonly enabled: boolean;
    /** The root or OU the revocation SCP is attached to; the root when left out. */
    readonly targetId?: string;
    readonly policyName: string;
    /** Found with DescribeOrganization when left out. */
    readonly managementAccountId?: string;
  };
}

export interface JitConfig {
  readonly mode: ConfigMode;
  /** Who may revoke or cancel any grant. */
  readonly admins: PrincipalSet;
  /** Keyed by permission set name, in file order. */
  readonly permissionSets: ReadonlyMap<string, PermissionSetConfig>;
  /** Keyed by role name, in file order. */
  readonly roles: ReadonlyMap<string, Role>;
  readonly directory?: DirectoryConfig;
  /** Present when a role uses `source: entra-pim` (or the file has an `entra` section). */
  readonly entra?: EntraConfig;
  /** Live mode's AWS; absent in the sandbox. */
  readonly aws?: AwsConfig;
  readonly store: StoreConfig;
  readonly audit: AuditConfig;
  readonly server: ServerConfig;
  readonly auth: AuthConfig;
  /** `jit check`: findings accepted, each with its reason. */
  readonly check: {
    readonly suppress: readonly CheckSuppression[];
    /** The day (YYYY-MM-DD) Identity Center's SCIM token expires, when recorded. */
    readonly scimTokenExpiresAt?: string;
  };
}

export interface CheckSuppression {
  readonly rule: string;
  /** Every resource of the rule when absent. */
  readonly resource?: string;
  readonly reason: string;
}

/** Either a usable config (perhaps with warnings) or every problem found, one line each. */
export type LoadConfigResult =
  | { readonly ok: true; readonly config: JitConfig; readonly warnings: string[] }
  | { readonly ok: false; readonly errors: string[] };
