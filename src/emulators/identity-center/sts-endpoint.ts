// The STS subset a controller needs, in STS's own protocol (awsQuery: a form-encoded POST,
// an XML answer): GetCallerIdentity, and AssumeRole for `aws.roleArn`. It lets a live-mode
// process find its identity and assume its role against the emulator exactly as it would
// against AWS (`AWS_ENDPOINT_URL_STS`).
//
// Who calls is read from the SigV4 `Credential=` access key: keys this endpoint issued
// (ASIA…) are the assumed role's session; any other key is an IAM user of the management
// account. Signatures are not checked, as for the rest of the emulator.

import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorResponse, IdentityCenterEmulator } from './identity-center-emulator.js';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** Fault-injection key covering every STS action (like `SCIM.*` for SCIM). */
export const STS_FAULT_WILDCARD = 'STS.*';

interface IssuedSession {
  readonly account: string;
  readonly roleName: string;
  readonly roleId: string;
  readonly sessionName: string;
  readonly expiresAt: number;
}

export class StsEndpoint {
  private readonly issued = new Map<string, IssuedSession>();

  constructor(private readonly emulator: IdentityCenterEmulator) {}

  /** Answers one awsQuery request whose Authorization header is already known to be SigV4. */
  async handle(authorization: string, body: string): Promise<EmulatorResponse> {
    const form = new URLSearchParams(body);
    const action = form.get('Action') ?? '';
    if (action !== 'GetCallerIdentity' && action !== 'AssumeRole') {
      this.emulator.recordExternalCall(`STS.${action || '(none)'}`, 'error');
      return stsError(400, 'InvalidAction', `Could not find operation ${action || '(no Action)'}`);
    }
    const faulted = await this.injectFault(action);
    if (faulted !== undefined) {
      this.emulator.recordExternalCall(action, 'faulted');
      return faulted;
    }
    const accessKey = /Credential=([^/,\s]+)\//.exec(authorization)?.[1] ?? '';
    const result =
      action === 'GetCallerIdentity'
        ? this.getCallerIdentity(accessKey)
        : this.assumeRole(accessKey, form);
    this.emulator.recordExternalCall(action, result.status === 200 ? 'ok' : 'error');
    return result;
  }

  private getCallerIdentity(accessKey: string): EmulatorResponse {
    const session = this.session(accessKey);
    const management = this.emulator.state.organization.managementAccountId;
    const identity =
      session === undefined
        ? {
            Arn: `arn:aws:iam::${management}:user/emulator`,
            UserId: 'AIDAJITEMULATOR000000',
            Account: management,
          }
        : {
            Arn: `arn:aws:sts::${session.account}:assumed-role/${session.roleName}/${session.sessionName}`,
            UserId: `${session.roleId}:${session.sessionName}`,
            Account: session.account,
          };
    return stsResult('GetCallerIdentity', element(identity));
  }

  private assumeRole(accessKey: string, form: URLSearchParams): EmulatorResponse {
    if (this.session(accessKey) === undefined && accessKey.startsWith('ASIA')) {
      return stsError(403, 'ExpiredToken', 'The security token included in the request is expired');
    }
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    const match = ROLE_ARN.exec(roleArn);
    if (match === null)
      return stsError(400, 'ValidationError', `${roleArn || 'RoleArn'} is not a valid role ARN`);
    if (!SESSION_NAME.test(sessionName))
      return stsError(
        400,
        'ValidationError',
        "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint",
      );
    const durationText = form.get('DurationSeconds');
    const duration = durationText === null ? 3600 : Number(durationText);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200)
      return stsError(
        400,
        'ValidationError',
        "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint",
      );
    const account = match[1] ?? '';
    const roleName = match[2] ?? '';
    const expiresAt = this.emulator.clock() + duration * 1000;
    const keyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const roleId = `AROA${createRoleId(roleArn)}`;
    this.issued.set(keyId, { account, roleName, roleId, sessionName, expiresAt });
    const credentials = {
      AccessKeyId: keyId,
      SecretAccessKey: randomBytes(30).toString('base64'),
      SessionToken: randomBytes(48).toString('base64'),
      Expiration: new Date(expiresAt).toISOString(),
    };
    return stsResult(
      'AssumeRole',
      `<Credentials>${element(credentials)}</Credentials>` +
        `<AssumedRoleUser>${element({
          Arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
          AssumedRoleId: `${roleId}:${sessionName}`,
        })}</AssumedRoleUser>`,
    );
  }

  /** The session behind an access key this endpoint issued, while it lasts. */
  private session(accessKey: string): IssuedSession | undefined {
    const session = this.issued.get(accessKey);
    if (session === undefined || session.expiresAt <= this.emulator.clock()) return undefined;
    return session;
  }

  private async injectFault(action: string): Promise<EmulatorResponse | undefined> {
    const faults = this.emulator.faults;
    const listed = faults.list();
    const key = listed[action] !== undefined ? action : STS_FAULT_WILDCARD;
    const spec = listed[key];
    if (spec === undefined) return undefined;
    if (spec.latencyMs !== undefined && spec.latencyMs > 0) await sleep(spec.latencyMs);
    const injected = faults.error(key);
    if (injected === undefined) return undefined;
    switch (injected.type) {
      case 'AccessDeniedException':
        return stsError(
          403,
          'AccessDenied',
          `User is not authorized to perform: sts:${action} (injected fault)`,
        );
      case 'ThrottlingException':
        return stsError(400, 'Throttling', 'Rate exceeded');
      default:
        return stsError(500, 'InternalFailure', injected.message, 'Receiver');
    }
  }
}

function createRoleId(roleArn: string): string {
  let hash = 0;
  for (const char of roleArn) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash.toString(16).toUpperCase().padStart(8, '0') + 'JITEMULATOR';
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

function element(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
}

function stsResult(action: string, inner: string): EmulatorResponse {
  const requestId = randomUUID();
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<${action}Response xmlns="${XMLNS}"><${action}Result>${inner}</${action}Result>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

function stsError(
  status: number,
  code: string,
  message: string,
  type: 'Sender' | 'Receiver' = 'Sender',
): EmulatorResponse {
  const requestId = randomUUID();
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
