// Puts the Identity Center emulator behind node:http: AWS JSON 1.1 on `POST /` (SigV4
// signatures are accepted unchecked, but a request without `Authorization` is refused),
// STS's form-encoded awsQuery on the same `POST /`, EventBridge Scheduler's restJson1 under
// /schedules and /schedule-groups (signed the same way), the admin endpoints under
// /_emulator/, and IdC's SCIM v2 endpoint under /scim/v2/.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError } from './aws-error.js';
import { handleAdmin } from './admin-routes.js';
import {
  errorResponse,
  IdentityCenterEmulator,
  type EmulatorResponse,
  type IdentityCenterEmulatorOptions,
} from './identity-center-emulator.js';
import { isSchedulerPath } from './scheduler-routes.js';
import { ScimEndpoint, type ScimTokenOptions } from './scim-handlers.js';
import { StsEndpoint } from './sts-endpoint.js';

export interface StartIdentityCenterEmulatorOptions extends IdentityCenterEmulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: '127.0.0.1';
  /** SCIM bearer token (default: a fixed token valid one year from the emulator clock). */
  readonly scimToken?: ScimTokenOptions;
}

export interface RunningIdentityCenterEmulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`: the `endpoint` for every SDK client. */
  readonly url: string;
  readonly port: number;
  readonly emulator: IdentityCenterEmulator;
  /** The SCIM endpoint at `${url}/scim/v2/`, with its token and call counts. */
  readonly scim: ScimEndpoint;
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

function send(response: ServerResponse, result: EmulatorResponse): void {
  response.writeHead(result.status, {
    ...result.headers,
    'content-length': Buffer.byteLength(result.body),
  });
  response.end(result.body);
}

type Authentication =
  | { readonly ok: true; readonly authorization: string }
  | { readonly ok: false; readonly refused: EmulatorResponse };

/** An AWS API request's Authorization, or the 403 for none or a non-SigV4 one. */
function authenticate(authorization: string | undefined): Authentication {
  if (authorization === undefined || authorization.trim() === '') {
    return {
      ok: false,
      refused: {
        ...errorResponse(
          new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token'),
        ),
        status: 403,
      },
    };
  }
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ') || !authorization.includes('Credential=')) {
    return {
      ok: false,
      refused: {
        ...errorResponse(
          new AwsError(
            'IncompleteSignatureException',
            'Authorization header is not a SigV4 signature',
          ),
        ),
        status: 403,
      },
    };
  }
  return { ok: true, authorization };
}

interface Endpoints {
  readonly emulator: IdentityCenterEmulator;
  readonly scim: ScimEndpoint;
  readonly sts: StsEndpoint;
}

async function route(
  { emulator, scim, sts }: Endpoints,
  request: IncomingMessage,
): Promise<EmulatorResponse> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const method = request.method ?? 'GET';
  let body: string;
  try {
    body = await readBody(request);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      return {
        ...errorResponse(new AwsError('SerializationException', 'Request body too large')),
        status: 413,
      };
    }
    throw error;
  }
  if (path === '/scim/v2' || path.startsWith('/scim/v2/')) {
    return scim.handle(method, request.url ?? path, request.headers.authorization, body);
  }
  if (path.startsWith('/_emulator/')) {
    let parsed: unknown;
    try {
      parsed = body.trim() === '' ? {} : JSON.parse(body);
    } catch {
      return errorResponse(
        new AwsError('SerializationException', 'The request body is not valid JSON'),
      );
    }
    const result = handleAdmin(emulator, method, path, parsed);
    return {
      status: result.status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(result.body),
    };
  }
  if (isSchedulerPath(path)) {
    const auth = authenticate(request.headers.authorization);
    if (!auth.ok) return auth.refused;
    return emulator.handleScheduler(method, request.url ?? path, body);
  }
  if (path !== '/' || method !== 'POST') {
    return {
      ...errorResponse(new AwsError('UnknownOperationException', `No route ${method} ${path}`)),
      status: 404,
    };
  }
  const auth = authenticate(request.headers.authorization);
  if (!auth.ok) return auth.refused;
  const { authorization } = auth;
  const contentType = request.headers['content-type'];
  if (contentType?.startsWith('application/x-www-form-urlencoded') === true) {
    return sts.handle(authorization, body);
  }
  if (contentType !== undefined && !contentType.includes('json')) {
    return errorResponse(
      new AwsError('SerializationException', `Unsupported Content-Type ${contentType}`),
    );
  }
  const target = request.headers['x-amz-target'];
  return emulator.handle(typeof target === 'string' ? target : undefined, body);
}

/** Starts the emulator on 127.0.0.1 and resolves once it listens. */
export async function startIdentityCenterEmulator(
  options: StartIdentityCenterEmulatorOptions = {},
): Promise<RunningIdentityCenterEmulator> {
  const emulator = new IdentityCenterEmulator(options);
  const scim = new ScimEndpoint(emulator, options.scimToken);
  const sts = new StsEndpoint(emulator);
  const server = createServer((request, response) => {
    route({ emulator, scim, sts }, request).then(
      (result) => {
        send(response, result);
      },
      (error: unknown) => {
        // A bug in a handler: answer 500 as AWS would and keep serving.
        const message = error instanceof Error ? error.message : String(error);
        send(
          response,
          errorResponse(new AwsError('InternalServerException', `Emulator error: ${message}`)),
        );
      },
    );
  });
  server.keepAliveTimeout = 1000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    emulator,
    scim,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
