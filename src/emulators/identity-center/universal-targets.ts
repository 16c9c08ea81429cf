// The EventBridge Scheduler universal targets the emulator can invoke: its own Identity
// Center operations. A universal target ARN is `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`
// with the AWS SDK's service identifier and the action in camelCase (Scheduler User Guide,
// "Using universal targets"); the Input is the API's request with its own (PascalCase)
// member names, so it goes to the emulator's handler as it is.

/** The dispatch table's name for the service (its ServiceName; spelled out here so that
 *  scheduler state does not import the handler modules). */
export type UniversalTargetService = 'identitystore' | 'sso-admin';

export interface UniversalTarget {
  readonly arn: string;
  readonly service: UniversalTargetService;
  /** The operation's name in the API model and the dispatch table. */
  readonly operation: string;
}

/** SDK service identifiers as they appear in a universal target ARN. */
const sdkServices: Readonly<Record<string, UniversalTargetService>> = {
  identitystore: 'identitystore',
  ssoadmin: 'sso-admin',
};

const supportedActions: readonly (readonly [string, string])[] = [
  ['identitystore', 'deleteGroupMembership'],
  ['identitystore', 'createGroupMembership'],
  ['ssoadmin', 'deleteAccountAssignment'],
  ['ssoadmin', 'createAccountAssignment'],
];

function universalArn(service: string, action: string): string {
  return `arn:aws:scheduler:::aws-sdk:${service}:${action}`;
}

/** The target ARNs a schedule may name, for the ValidationException that lists them. */
export const supportedTargetArns: readonly string[] = supportedActions.map(([service, action]) =>
  universalArn(service, action),
);

const targets: ReadonlyMap<string, UniversalTarget> = new Map(
  supportedActions.map(([service, action]) => {
    const arn = universalArn(service, action);
    const serviceName = sdkServices[service];
    if (serviceName === undefined) throw new Error(`No service for ${service}`);
    const operation = action.charAt(0).toUpperCase() + action.slice(1);
    return [arn, { arn, service: serviceName, operation }];
  }),
);

/** The target an ARN names, or undefined when the emulator cannot invoke it. */
export function universalTarget(arn: string): UniversalTarget | undefined {
  return targets.get(arn);
}
