// The configuration module: load and validate `jit.config.yaml` into a JitConfig.
export type {
  ConfigMode,
  ControllerConfig,
  CustomerManagedPolicyRef,
  DirectoryConfig,
  DirectoryGroupConfig,
  EntraConfig,
  JitConfig,
  LoadConfigResult,
  PermissionSetConfig,
  PermissionsBoundaryConfig,
  ServerConfig,
  StoreConfig,
} from './config.js';
export { loadConfigFile } from './load-config-file.js';
export { parseConfig } from './parse-config.js';
