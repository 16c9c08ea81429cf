// Puts the Entra emulator behind node:http: the identity platform under /{tenant}/, Graph
// v1.0 under /v1.0/, the OIDC userinfo endpoint, and the admin endpoints under /_emulator/.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CertificateThumbprints } from './client-certificates.js';
import { EntraEmulator } from './entra-emulator.js';
import type { EntraEmulatorOptions, EntraSeed, EntraSeedResult } from './entra-emulator-options.js';
import type { EntraFaultSpec } from './fault-injector.js';
import { jsonResponse, type EntraResponse } from './http-kit.js';
import type { ProvisioningStatus } from './provisioning-job.js';
import { TokenIssuer } from './token-issuer.js';

export interface RunningEntraProvisioning {
  /** The provisioning app's service principal id and job id (for provisionOnDemand). */
  readonly servicePrincipalId: string;
  readonly jobId: string;
  /** Runs a cycle now (after one that is running) and resolves with the status after it. */
  runCycle(): Promise<ProvisioningStatus>;
  status(): ProvisioningStatus;
  /** Resolves once no clock-triggered cycle is running. */
  settled(): Promise<void>;
}

export interface RunningEntraEmulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  readonly tenantId: string;
  /** `${url}/${tenantId}/v2.0`: the OpenID issuer (discovery at `${issuer}/.well-known/openid-configuration`). */
  readonly issuer: string;
  /** `${url}/v1.0`: the Graph base URL. */
  readonly graphUrl: string;
  /** `${url}/${tenantId}/oauth2/v2.0/token`: also the `aud` of client assertions. */
  readonly tokenEndpoint: string;
  readonly app: { readonly clientId: string; readonly clientSecret: string };
  /** Adds users and groups (idempotent by UPN and display name); returns their object ids. */
  seed(seed: EntraSeed): EntraSeedResult;
  /** Registers a certificate credential of the app for private_key_jwt; returns its thumbprints. */
  addClientCertificate(certificatePem: string): CertificateThumbprints;
  addRedirectUri(uri: string): void;
  /** Replaces the app's application permissions for tokens issued from now on. */
  setApplicationPermissions(permissions: readonly string[]): void;
  /** Calls per operation, e.g. `POST /token`, `GET /users/{id}`. */
  calls(): Record<string, number>;
  resetCalls(): void;
  /** Sets faults per operation (or `*`); null clears one. */
  setFaults(faults: Readonly<Record<string, EntraFaultSpec | null>>): void;
  clearFaults(): void;
  /** Latency added to every answer, in real milliseconds. */
  setLatency(ms: number): void;
  readonly provisioning: RunningEntraProvisioning;
  /** The emulator itself, for tests that inspect state. */
  readonly emulator: EntraEmulator;
  close(): Promise<void>;
}

const maxBodyBytes = 1_048_576;

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyBytes) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, result: EntraResponse): void {
  response.writeHead(result.status, {
    ...result.headers,
    'content-length': Buffer.byteLength(result.body),
  });
  response.end(result.body);
}

async function route(emulator: EntraEmulator, request: IncomingMessage): Promise<EntraResponse> {
  const target = request.url ?? '/';
  const question = target.indexOf('?');
  const path = question < 0 ? target : target.slice(0, question);
  const query = new URLSearchParams(question < 0 ? '' : target.slice(question + 1));
  let body: string;
  try {
    body = await readBody(request);
  } catch (error) {
    if (error instanceof BodyTooLarge)
      return jsonResponse(413, {
        error: { code: 'RequestEntityTooLarge', message: 'The request body is larger than 1 MiB.' },
      });
    throw error;
  }
  return emulator.handle({
    method: (request.method ?? 'GET').toUpperCase(),
    path: path.replace(/\/{2,}/g, '/'),
    query,
    headers: request.headers,
    body,
    requestId: randomUUID(),
  });
}

/**
 * Starts the Entra emulator and resolves once it listens. All time comes from
 * `options.clock`; the port is taken from `options.port` (0: any free port).
 */
export async function startEntraEmulator(
  options: EntraEmulatorOptions,
): Promise<RunningEntraEmulator> {
  const emulator = new EntraEmulator(options, await TokenIssuer.create());
  const logger = options.logger;
  const server = createServer((request, response) => {
    route(emulator, request).then(
      (result) => {
        // Method, path and status only: queries and bodies may carry codes or tokens.
        logger?.debug(
          {
            method: request.method,
            path: (request.url ?? '/').split('?')[0],
            status: result.status,
          },
          'entra emulator: request',
        );
        send(response, result);
      },
      (error: unknown) => {
        // A bug in a handler: answer 500 as Graph would and keep serving.
        logger?.error(
          { error: error instanceof Error ? error.message : String(error) },
          'entra emulator: request failed',
        );
        send(
          response,
          jsonResponse(500, {
            error: {
              code: 'InternalServerError',
              message: 'The Entra emulator failed to handle the request.',
            },
          }),
        );
      },
    );
  });
  server.keepAliveTimeout = 1000;
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    emulator.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  emulator.setBaseUrl(url);
  const job = emulator.provisioning;
  return {
    url,
    port,
    tenantId: emulator.tenantId,
    issuer: emulator.identity.issuer,
    graphUrl: emulator.graphUrl,
    tokenEndpoint: emulator.identity.tokenEndpoint,
    app: emulator.app,
    seed: (seed) => emulator.seed(seed),
    addClientCertificate: (pem) => emulator.addClientCertificate(pem),
    setApplicationPermissions: (permissions) => {
      emulator.setApplicationPermissions(permissions);
    },
    addRedirectUri: (uri) => {
      emulator.addRedirectUri(uri);
    },
    calls: () => emulator.calls(),
    resetCalls: () => {
      emulator.resetCalls();
    },
    setFaults: (faults) => {
      emulator.setFaults(faults);
    },
    clearFaults: () => {
      emulator.faults.clear();
    },
    setLatency: (ms) => {
      emulator.setLatency(ms);
    },
    provisioning: {
      servicePrincipalId: job.servicePrincipalId,
      jobId: job.jobId,
      runCycle: () => job.runCycle(),
      status: () => job.status(),
      settled: () => job.settled(),
    },
    emulator,
    close: async () => {
      emulator.close();
      await job.settled();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    },
  };
}
