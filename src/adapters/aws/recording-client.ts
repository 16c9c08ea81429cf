// An AWS SDK client wrapped to remember the last operation it sent, so a failure can be
// worded with the action to allow (`sso:CreateAccountAssignment`), whichever call it was.

export interface LastCall {
  readonly service: string;
  readonly iamPrefix: string;
  readonly operation: string;
}

export function recordingClient<T extends { send: (command: never) => unknown }>(
  client: T,
  service: string,
  iamPrefix: string,
  record: (call: LastCall) => void,
): T {
  return {
    send: (command: object) => {
      record({ service, iamPrefix, operation: command.constructor.name.replace(/Command$/, '') });
      return (client.send as (c: object) => unknown).call(client, command);
    },
  } as unknown as T;
}
