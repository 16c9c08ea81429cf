// What the Entra emulator's admin routes (`/_emulator/*`) work on: the parts of the emulator
// they read and set. Kept apart so that the routes and the emulator do not import each other.
import type { CertificateThumbprints } from './client-certificates.js';
import type { OperationCounts } from './call-counter.js';
import type { EntraDirectory } from './entra-directory.js';
import type { EntraSeed, EntraSeedResult } from './entra-emulator-options.js';
import type { EntraFaultSpec, FaultInjector } from './fault-injector.js';
import type { IdentityPlatform } from './identity-platform.js';
import type { PimState } from './pim-state.js';
import type { ProvisioningJob } from './provisioning-job.js';

export interface EntraAdminTarget {
  readonly baseUrl: string;
  readonly graphUrl: string;
  readonly tenantId: string;
  readonly app: { readonly clientId: string; readonly clientSecret: string };
  readonly directory: EntraDirectory;
  readonly pim: PimState;
  readonly provisioning: ProvisioningJob;
  readonly identity: IdentityPlatform;
  readonly faults: FaultInjector;
  seed(seed: EntraSeed): EntraSeedResult;
  calls(): Record<string, number>;
  callDetails(): Record<string, OperationCounts>;
  resetCalls(): void;
  setFaults(faults: Readonly<Record<string, EntraFaultSpec | null>>): void;
  setLatency(ms: number): void;
  addClientCertificate(certificatePem: string): CertificateThumbprints;
  addRedirectUri(uri: string): void;
}
