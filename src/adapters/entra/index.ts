// The Microsoft Entra adapter: what the composition roots wire.
export {
  createEntraAdapters,
  type EntraAdapters,
  type EntraAdaptersOptions,
} from './create-entra-adapters.js';
export {
  EntraDirectory,
  isObjectId,
  type EntraDirectoryOptions,
  type EntraEligibility,
  type EntraGroup,
  type EntraPrincipal,
  type EntraUser,
  type GraphReader,
} from './entra-directory.js';
export {
  EntraPimActivationRevoker,
  type EntraPimActivationRevokerOptions,
} from './entra-pim-activation-revoker.js';
export {
  EntraPimActivationSource,
  type EntraPimActivationSourceOptions,
} from './entra-pim-activation-source.js';
export {
  DEFAULT_GRAPH_BASE_URL,
  GraphClient,
  odataString,
  type GraphClientOptions,
  type GraphRequestOptions,
} from './graph-client.js';
export { GraphError, GraphTokenError } from './graph-errors.js';
export {
  createGraphTokenSource,
  DEFAULT_AUTHORITY,
  GRAPH_DEFAULT_SCOPE,
  type GraphCredential,
  type GraphTokenProvider,
  type GraphTokenSource,
  type GraphTokenSourceOptions,
} from './graph-token-source.js';
