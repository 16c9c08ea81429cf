// Test helper: the real SDK v3 clients pointed at a running emulator with static
// credentials, plus raw signed-looking requests for protocol tests.

import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';

export interface EmulatorTestClients {
  readonly ssoAdmin: SSOAdminClient;
  readonly identityStore: IdentitystoreClient;
  readonly organizations: OrganizationsClient;
  destroy(): void;
}

const credentials = { accessKeyId: 'AKIAEMULATOR', secretAccessKey: 'emulator-secret' };

export function emulatorTestClients(url: string, maxAttempts = 1): EmulatorTestClients {
  const common = { endpoint: url, region: 'us-east-1', credentials, maxAttempts };
  const clients = {
    ssoAdmin: new SSOAdminClient(common),
    identityStore: new IdentitystoreClient(common),
    organizations: new OrganizationsClient(common),
  };
  return {
    ...clients,
    destroy: () => {
      clients.ssoAdmin.destroy();
      clients.identityStore.destroy();
      clients.organizations.destroy();
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

/** POSTs a raw AWS JSON 1.1 request; `authorization: null` leaves the header out. */
export async function rawRequest(
  url: string,
  target: string | undefined,
  body: string,
  authorization:
    | string
    | null = 'AWS4-HMAC-SHA256 Credential=AKIAEMULATOR/20240101/us-east-1/sso/aws4_request, SignedHeaders=host, Signature=00',
): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
  if (target !== undefined) headers['x-amz-target'] = target;
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(`${url}/`, { method: 'POST', headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: JSON.parse(text) as Record<string, unknown>,
  };
}

export async function adminRequest(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
