// Wires the Entra adapter from one set of options: a token source, a Graph client over it,
// the directory, and the PIM activation source and revoker sharing that directory (and its
// caches).
// Live deployments pass the tenant, the app registration and its credential; the sandbox
// also passes the emulator's URLs and `allowInsecureRequests`.
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { Metrics } from '../../ports/metrics.js';
import { EntraDirectory } from './entra-directory.js';
import { EntraPimActivationRevoker } from './entra-pim-activation-revoker.js';
import { EntraPimActivationSource } from './entra-pim-activation-source.js';
import { GraphClient } from './graph-client.js';
import {
  createGraphTokenSource,
  type GraphCredential,
  type GraphTokenSource,
} from './graph-token-source.js';

export interface EntraAdaptersOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly credential: GraphCredential;
  /** Default `https://login.microsoftonline.com`. */
  readonly authority?: string;
  /** Default `https://graph.microsoft.com/v1.0`. */
  readonly graphBaseUrl?: string;
  /** Plain HTTP for both URLs; only the sandbox sets it. */
  readonly allowInsecureRequests?: boolean;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** See `EntraDirectoryOptions.userGroups`. */
  readonly userGroups?: readonly string[];
  /** See `EntraDirectoryOptions.userAttribute`. */
  readonly userAttribute?: 'userPrincipalName' | 'mail';
  /** Attempts per Graph request; default 5. */
  readonly maxAttempts?: number;
  /** Groups polled at the same time; default 4. */
  readonly concurrency?: number;
  /** Waits between Graph retries; tests pass one that records instead of sleeping. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Counts every Graph request (`/metrics`). */
  readonly metrics?: Metrics;
}

export interface EntraAdapters {
  readonly tokens: GraphTokenSource;
  readonly graph: GraphClient;
  readonly directory: EntraDirectory;
  readonly activationSource: EntraPimActivationSource;
  /** Removes a person's PIM eligibilities and assignments (incident response). */
  readonly activationRevoker: EntraPimActivationRevoker;
}

/** Builds the Entra adapters; bad options throw `ERR_INVALID_CONFIG` here, before any request. */
export function createEntraAdapters(options: EntraAdaptersOptions): EntraAdapters {
  const insecure = options.allowInsecureRequests === true ? { allowInsecureRequests: true } : {};
  const logger = options.logger === undefined ? {} : { logger: options.logger };
  const tokens = createGraphTokenSource({
    tenantId: options.tenantId,
    clientId: options.clientId,
    credential: options.credential,
    clock: options.clock,
    ...(options.authority === undefined ? {} : { authority: options.authority }),
    ...insecure,
    ...logger,
  });
  const graph = new GraphClient({
    tokens,
    clock: options.clock,
    ...(options.graphBaseUrl === undefined ? {} : { baseUrl: options.graphBaseUrl }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...insecure,
    ...logger,
  });
  const directory = new EntraDirectory({
    graph,
    clock: options.clock,
    ...(options.userGroups === undefined ? {} : { userGroups: options.userGroups }),
    ...(options.userAttribute === undefined ? {} : { userAttribute: options.userAttribute }),
  });
  const activationSource = new EntraPimActivationSource({
    graph,
    directory,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...logger,
  });
  const activationRevoker = new EntraPimActivationRevoker({ graph, directory });
  return { tokens, graph, directory, activationSource, activationRevoker };
}
