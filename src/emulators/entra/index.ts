// The Entra emulator's public surface.
export { startEntraEmulator } from './start-entra-emulator.js';
export type { RunningEntraEmulator, RunningEntraProvisioning } from './start-entra-emulator.js';
export { ENTRA_SANDBOX_APP, ENTRA_SANDBOX_TENANT_ID } from './entra-emulator-options.js';
export type {
  EntraEmulatorOptions,
  EntraProvisioningOptions,
  EntraSeed,
  EntraSeedGroup,
  EntraSeedResult,
  EntraSeedUser,
} from './entra-emulator-options.js';
export type { EntraFaultKind, EntraFaultSpec } from './fault-injector.js';
export type { CertificateThumbprints } from './client-certificates.js';
export type { ProvisioningCounts, ProvisioningStatus } from './provisioning-job.js';
