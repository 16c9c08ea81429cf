// The Entra emulator's options and seed, and the sandbox defaults (tenant, app) that the
// CLI prints and other code points clients at.

import type { EmulatorClock } from '../emulator-runtime.js';
import type { EmulatorLogger } from '../emulator-runtime.js';
import type { EntraFaultSpec } from './fault-injector.js';

/** The sandbox tenant's id (a fixed GUID, so configs and docs can name it). */
export const ENTRA_SANDBOX_TENANT_ID = '5f1c3c2e-7b9a-4d3e-9f0a-6c8b2d4e1a7f';

/** The sandbox app registration: a confidential client with a secret. Not a real secret. */
export const ENTRA_SANDBOX_APP = {
  clientId: 'a3e9c4b1-2f6d-4e8a-b7c5-9d1e0f2a3b4c',
  clientSecret: 'jit-sandbox~entra-app-secret-not-for-production',
} as const;

export interface EntraSeedUser {
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mail?: string;
  /** Sandbox: whether this user's sign-in carries MFA (the sign-in form can override it). */
  readonly mfa?: boolean;
  /** Assigned to the provisioning app directly (in scope of the provisioning job). */
  readonly provisioned?: boolean;
}

export interface EntraSeedGroup {
  readonly displayName: string;
  readonly description?: string;
  /** UPNs or group display names; in a PIM group they become permanent active assignments. */
  readonly members?: readonly string[];
  /** PIM-enabled: has a PIM policy (default: PT8H, justification, no MFA, no approval). */
  readonly pim?: boolean;
  /** UPNs or group display names made permanently eligible for membership (implies pim). */
  readonly eligible?: readonly string[];
  /** In scope of the provisioning job (pushed to SCIM with its direct user members). */
  readonly provisioned?: boolean;
}

export interface EntraSeed {
  readonly users?: readonly EntraSeedUser[];
  readonly groups?: readonly EntraSeedGroup[];
}

/** Object ids of what a seed names, by UPN (lower case) and by group display name. */
export interface EntraSeedResult {
  readonly users: Readonly<Record<string, string>>;
  readonly groups: Readonly<Record<string, string>>;
}

export interface EntraProvisioningOptions {
  /** The SCIM base URL, e.g. `${identityCenter.url}/scim/v2`. */
  readonly scimUrl: string;
  /** The SCIM bearer token (never logged). */
  readonly scimToken: string;
  /** Time between cycles on the emulator clock (default 40 minutes), divided by `timeFactor`. */
  readonly cycleMs?: number;
  /** Sandbox speed-up: 60 makes a 40-minute cycle take 40 seconds (default 1). */
  readonly timeFactor?: number;
}

export interface EntraEmulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** All time comes from it: token iat/exp, auth_time, PIM start and end, expiry, cycles. */
  readonly clock: EmulatorClock;
  readonly logger?: EmulatorLogger;
  /** Default ENTRA_SANDBOX_TENANT_ID. */
  readonly tenantId?: string;
  /** Default ENTRA_SANDBOX_APP. */
  readonly app?: { readonly clientId: string; readonly clientSecret: string };
  /** The app's application permissions (default: the sandbox app's, see graph-permissions.ts). */
  readonly applicationPermissions?: readonly string[];
  /** Redirect URIs allowed besides loopback ones (http://127.0.0.1:<any port>/…, http://localhost:…). */
  readonly redirectUris?: readonly string[];
  readonly seed?: EntraSeed;
  /** Added to every answer, in real milliseconds. */
  readonly latencyMs?: number;
  /** Per operation (`GET /users`, `POST /token`, …) or `*`. */
  readonly faults?: Readonly<Record<string, EntraFaultSpec>>;
  /** Graph requests a second (bucket size the same) before 429; default 100; false: none. */
  readonly rateLimit?: number | false;
  readonly provisioning?: EntraProvisioningOptions;
  /** Randomness for fault injection, in [0, 1). */
  readonly random?: () => number;
}
