// Every operation the emulator answers, keyed by its full `X-Amz-Target`. The conformance
// test enumerates this table, so an operation added here without a test case fails it.

import { accountAssignmentHandlers } from './account-assignment-handlers.js';
import { identityStoreHandlers } from './identity-store-handlers.js';
import type { HandlerTable, OperationHandler } from './operation-handler.js';
import { organizationsHandlers } from './organizations-handlers.js';
import { permissionSetHandlers } from './permission-set-handlers.js';
import { provisioningHandlers } from './provisioning-handlers.js';

export type ServiceName = 'sso-admin' | 'identitystore' | 'organizations';

export interface DispatchEntry {
  readonly service: ServiceName;
  readonly operation: string;
  readonly handler: OperationHandler;
}

/** X-Amz-Target prefixes, from each API model's `metadata.targetPrefix`. */
export const targetPrefixes: Readonly<Record<ServiceName, string>> = {
  'sso-admin': 'SWBExternalService',
  identitystore: 'AWSIdentityStore',
  organizations: 'AWSOrganizationsV20161128',
};

function entries(service: ServiceName, table: HandlerTable): [string, DispatchEntry][] {
  return Object.entries(table).map(([operation, handler]) => [
    `${targetPrefixes[service]}.${operation}`,
    { service, operation, handler },
  ]);
}

export const dispatchTable: ReadonlyMap<string, DispatchEntry> = new Map([
  ...entries('sso-admin', permissionSetHandlers),
  ...entries('sso-admin', provisioningHandlers),
  ...entries('sso-admin', accountAssignmentHandlers),
  ...entries('identitystore', identityStoreHandlers),
  ...entries('organizations', organizationsHandlers),
]);
