// The configuration module: load and validate `jit.config.yaml` into a JitConfig.
export type {
  AuthConfig,
  AwsConfig,
  ConfigMode,
  ControllerConfig,
  CustomerManagedPolicyRef,
  DirectoryConfig,
  DirectoryGroupConfig,
  EntraConfig,
  JitConfig,
  LoadConfigResult,
  MfaEvidence,
  OidcConfig,
  PermissionSetConfig,
  PermissionsBoundaryConfig,
  ServerConfig,
  SessionConfig,
  StoreConfig,
} from './config.js';
export { loadConfigFile } from './load-config-file.js';
export { parseConfig } from './parse-config.js';
