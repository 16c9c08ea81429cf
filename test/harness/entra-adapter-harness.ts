// Test-only: a small fake of the Microsoft identity platform and Microsoft Graph on
// 127.0.0.1, for the Entra adapter's unit tests. It is not the Entra emulator
// (src/emulators/entra/): it knows only what these tests need, checks what the adapter
// sends (the client assertion's `x5t#S256`, advanced-query headers, required filters),
// and lets a test script failures (429, 503, 401, dropped connections) per request.
import {
  createHash,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
  constants,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUser {
  readonly id: string;
  readonly userPrincipalName?: string;
  readonly mail?: string | null;
  readonly displayName: string;
  readonly mailNickname?: string;
}

export interface FakeGroup {
  readonly id: string;
  readonly displayName: string;
  /** Object ids of direct members (users or groups). */
  members: string[];
}

export interface FakeInstance {
  readonly id: string;
  readonly groupId: string;
  readonly principalId: string;
  readonly accessId: 'member' | 'owner';
  readonly assignmentType?: string;
  readonly memberType?: 'direct' | 'group';
  readonly startDateTime: string;
  readonly endDateTime?: string | null;
}

export interface ScriptedResponse {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Drop the connection without answering. */
  readonly destroy?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface FakeEntraOptions {
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly secret?: string;
  /** The registered certificate (PEM); assertions must carry its `x5t#S256`. */
  readonly certificatePem?: string;
  readonly tokenLifetimeS?: number;
  /** Items per Graph page; default 2, so that paging is always exercised. */
  readonly pageSize?: number;
  /** The time client assertions are checked against; default `Date.now`. */
  readonly now?: () => number;
  /** Refuse OData casts on member lists without `ConsistencyLevel` and `$count` (default true). */
  readonly castsNeedAdvancedQuery?: boolean;
}

export interface FakeEntra {
  readonly url: string;
  readonly graphUrl: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly secret: string;
  readonly users: Map<string, FakeUser>;
  readonly groups: Map<string, FakeGroup>;
  readonly assignments: FakeInstance[];
  readonly eligibilities: FakeInstance[];
  readonly graphRequests: RecordedRequest[];
  readonly tokenRequests: { form: URLSearchParams; assertion?: DecodedJwt }[];
  /** Tokens issued so far. */
  readonly issued: string[];
  /** Queues responses for the next requests whose method and path (with query) match. */
  script(match: { method?: string; path: string | RegExp }, ...responses: ScriptedResponse[]): void;
  /** Makes every issued token invalid (Graph answers 401 InvalidAuthenticationToken). */
  revokeTokens(): void;
  /** Largest number of Graph requests seen in flight at once. */
  readonly maxInFlight: number;
  /** Delays every Graph response by this many ms (real time; keep it small). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export interface DecodedJwt {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
}

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export async function startFakeEntra(options: FakeEntraOptions = {}): Promise<FakeEntra> {
  const tenantId = options.tenantId ?? '11111111-2222-3333-4444-555555555555';
  const clientId = options.clientId ?? 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
  const secret = options.secret ?? 'fake-secret-value-~1234567890';
  const pageSize = options.pageSize ?? 2;
  const certificate =
    options.certificatePem === undefined ? undefined : new X509Certificate(options.certificatePem);
  const users = new Map<string, FakeUser>();
  const groups = new Map<string, FakeGroup>();
  const assignments: FakeInstance[] = [];
  const eligibilities: FakeInstance[] = [];
  const graphRequests: RecordedRequest[] = [];
  const tokenRequests: { form: URLSearchParams; assertion?: DecodedJwt }[] = [];
  const issued: string[] = [];
  const valid = new Set<string>();
  const scripts: { method: string; path: string | RegExp; responses: ScriptedResponse[] }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let latencyMs = 0;
  let base = '';

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(text === '' ? {} : { 'content-type': 'application/json' }),
      ...headers,
    });
    res.end(text);
  };
  const graphError = (
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    requestId: string,
    headers: Record<string, string> = {},
  ): void => {
    send(
      res,
      status,
      {
        error: {
          code,
          message,
          innerError: { 'request-id': requestId, date: '2024-01-01T00:00:00' },
        },
      },
      { 'request-id': requestId, ...headers },
    );
  };

  const handleIdentity = (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: string,
  ): void => {
    const match =
      /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(
        url.pathname,
      );
    const tenant = match?.[1];
    if (tenant === undefined) {
      send(res, 404, { error: 'not_found' });
      return;
    }
    if (tenant !== tenantId) {
      send(res, 400, {
        error: 'invalid_tenant',
        error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
        error_codes: [90002],
      });
      return;
    }
    const tokenEndpoint = `${base}/${tenantId}/oauth2/v2.0/token`;
    if (req.method === 'GET' && match?.[2]?.startsWith('v2.0')) {
      send(res, 200, {
        issuer: `${base}/${tenantId}/v2.0`,
        token_endpoint: tokenEndpoint,
        authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
        jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
        response_types_supported: ['code'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
      });
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { error: 'invalid_request' });
      return;
    }
    const form = new URLSearchParams(body);
    // A refused assertion also carries a `WWW-Authenticate` challenge (the emulator sends
    // one); a refused secret does not, so both shapes of a 401 are exercised.
    const invalidClient = (code: number, text: string, challenge = false): void => {
      send(
        res,
        401,
        {
          error: 'invalid_client',
          error_description: `AADSTS${code}: ${text} Trace ID: ${randomUUID()}`,
          error_codes: [code],
        },
        challenge ? { 'www-authenticate': 'Basic realm="login.microsoftonline.com"' } : {},
      );
    };
    const assertionText = form.get('client_assertion');
    const assertion = assertionText === null ? undefined : decodeJwt(assertionText);
    tokenRequests.push({ form, ...(assertion === undefined ? {} : { assertion }) });
    if (form.get('grant_type') !== 'client_credentials') {
      send(res, 400, { error: 'unsupported_grant_type', error_description: 'AADSTS70003' });
      return;
    }
    if (form.get('client_id') !== clientId) {
      send(res, 400, {
        error: 'unauthorized_client',
        error_description: `AADSTS700016: Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory.`,
      });
      return;
    }
    if (form.get('scope') !== GRAPH_SCOPE) {
      send(res, 400, {
        error: 'invalid_scope',
        error_description: 'AADSTS70011: bad scope',
      });
      return;
    }
    if (assertionText !== null) {
      if (certificate === undefined || assertion === undefined) {
        invalidClient(700027, 'Client assertion contains an invalid signature.', true);
        return;
      }
      const why = checkAssertion(
        assertionText,
        assertion,
        certificate,
        clientId,
        tokenEndpoint,
        options.now ?? Date.now,
      );
      if (why !== undefined) {
        invalidClient(700027, why, true);
        return;
      }
    } else if (form.get('client_secret') !== secret) {
      invalidClient(7000215, 'Invalid client secret provided.');
      return;
    }
    const token = `fake-access-token-${randomUUID()}`;
    issued.push(token);
    valid.add(token);
    send(res, 200, {
      token_type: 'Bearer',
      expires_in: options.tokenLifetimeS ?? 3599,
      ext_expires_in: options.tokenLifetimeS ?? 3599,
      access_token: token,
    });
  };

  const page = (
    res: ServerResponse,
    url: URL,
    items: readonly unknown[],
    requestId: string,
  ): void => {
    const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
    const slice = items.slice(skip, skip + pageSize);
    const body: Record<string, unknown> = { value: slice };
    if (skip + pageSize < items.length) {
      const next = new URL(url);
      next.searchParams.set('$skiptoken', String(skip + pageSize));
      body['@odata.nextLink'] = next.href;
    }
    send(res, 200, body, { 'request-id': requestId });
  };

  const transitiveUsers = (groupId: string, seen = new Set<string>()): FakeUser[] => {
    const group = groups.get(groupId);
    if (group === undefined || seen.has(groupId)) return [];
    seen.add(groupId);
    const found = new Map<string, FakeUser>();
    for (const member of group.members) {
      const user = users.get(member);
      if (user !== undefined) found.set(user.id, user);
      for (const nested of transitiveUsers(member, seen)) found.set(nested.id, nested);
    }
    return [...found.values()];
  };
  const groupsOf = (objectId: string): FakeGroup[] => {
    const direct = [...groups.values()].filter((g) => g.members.includes(objectId));
    const all = new Map(direct.map((g) => [g.id, g]));
    for (const group of direct) for (const parent of groupsOf(group.id)) all.set(parent.id, parent);
    return [...all.values()];
  };

  const handleGraph = (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    requestId: string,
  ): void => {
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!valid.has(token)) {
      graphError(
        res,
        401,
        'InvalidAuthenticationToken',
        'Access token is empty or invalid.',
        requestId,
      );
      return;
    }
    const path = url.pathname.slice('/v1.0'.length);
    const filter = url.searchParams.get('$filter');
    const eq = filter === null ? undefined : /^(\w+) eq '((?:[^']|'')*)'$/.exec(filter);
    const filterValue = eq?.[2]?.replaceAll("''", "'");
    const advanced = (): boolean => {
      if (
        options.castsNeedAdvancedQuery === false ||
        (req.headers.consistencylevel === 'eventual' && url.searchParams.get('$count') === 'true')
      ) {
        return true;
      }
      graphError(
        res,
        400,
        'Request_UnsupportedQuery',
        'OData cast on a member list needs advanced query parameters.',
        requestId,
      );
      return false;
    };
    if (req.method === 'POST' && path === '/echo') {
      send(res, 201, { received: true }, { 'request-id': requestId });
      return;
    }
    if (req.method === 'PATCH' && path.startsWith('/echo')) {
      send(res, 204, undefined, { 'request-id': requestId });
      return;
    }
    if (req.method === 'DELETE' && path.startsWith('/things/')) {
      send(res, 204, undefined, { 'request-id': requestId });
      return;
    }
    if (req.method !== 'GET') {
      graphError(res, 405, 'Request_BadRequest', 'Unsupported method.', requestId);
      return;
    }

    let m: RegExpExecArray | null;
    if (path === '/users') {
      if (eq === undefined || eq === null || filterValue === undefined) {
        page(res, url, [...users.values()], requestId);
        return;
      }
      const attribute = eq[1] as keyof FakeUser;
      const found = [...users.values()].filter(
        (u) => (u[attribute] ?? '').toLowerCase() === filterValue.toLowerCase(),
      );
      page(res, url, found, requestId);
      return;
    }
    if ((m = /^\/users\/([^/]+)$/.exec(path)) !== null) {
      const key = decodeURIComponent(m[1] ?? '').toLowerCase();
      const user = [...users.values()].find(
        (u) => u.id === key || u.userPrincipalName?.toLowerCase() === key,
      );
      if (user === undefined) {
        graphError(
          res,
          404,
          'Request_ResourceNotFound',
          `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
          requestId,
        );
        return;
      }
      send(res, 200, user, { 'request-id': requestId });
      return;
    }
    if (
      (m = /^\/users\/([^/]+)\/transitiveMemberOf\/microsoft\.graph\.group$/.exec(path)) !== null
    ) {
      if (!advanced()) return;
      const id = decodeURIComponent(m[1] ?? '');
      page(
        res,
        url,
        groupsOf(id).map((g) => ({ displayName: g.displayName })),
        requestId,
      );
      return;
    }
    if (path === '/groups') {
      const found = [...groups.values()]
        .filter(
          (g) =>
            filterValue === undefined || g.displayName.toLowerCase() === filterValue.toLowerCase(),
        )
        .map((g) => ({ id: g.id, displayName: g.displayName }));
      page(res, url, found, requestId);
      return;
    }
    if ((m = /^\/groups\/([^/]+)$/.exec(path)) !== null) {
      const group = groups.get(decodeURIComponent(m[1] ?? ''));
      if (group === undefined) {
        graphError(res, 404, 'Request_ResourceNotFound', 'Resource does not exist.', requestId);
        return;
      }
      send(res, 200, { id: group.id, displayName: group.displayName }, { 'request-id': requestId });
      return;
    }
    if (
      (m = /^\/groups\/([^/]+)\/transitiveMembers\/microsoft\.graph\.user$/.exec(path)) !== null
    ) {
      if (!advanced()) return;
      const id = decodeURIComponent(m[1] ?? '');
      if (!groups.has(id)) {
        graphError(res, 404, 'Request_ResourceNotFound', 'Resource does not exist.', requestId);
        return;
      }
      page(res, url, transitiveUsers(id), requestId);
      return;
    }
    const pim =
      /^\/identityGovernance\/privilegedAccess\/group\/(assignment|eligibility)ScheduleInstances$/.exec(
        path,
      );
    if (pim !== null) {
      if (
        eq === undefined ||
        eq === null ||
        filterValue === undefined ||
        (eq[1] !== 'groupId' && eq[1] !== 'principalId')
      ) {
        graphError(
          res,
          400,
          'BadRequest',
          'A filter on groupId or principalId is required.',
          requestId,
        );
        return;
      }
      const all = pim[1] === 'assignment' ? assignments : eligibilities;
      const attribute = eq[1];
      page(
        res,
        url,
        all.filter((i) => i[attribute] === filterValue),
        requestId,
      );
      return;
    }
    graphError(res, 404, 'UnknownError', `No fake route for ${path}`, requestId);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', base);
      if (!url.pathname.startsWith('/v1.0/')) {
        handleIdentity(req, res, url, body);
        return;
      }
      const requestId = randomUUID();
      graphRequests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      });
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const finish = (): void => {
        inFlight -= 1;
      };
      res.on('close', finish);
      const answer = (): void => {
        const target = `${url.pathname}${url.search}`;
        const script = scripts.find(
          (s) =>
            s.responses.length > 0 &&
            s.method === req.method &&
            (typeof s.path === 'string'
              ? decodeURIComponent(target).startsWith(s.path)
              : s.path.test(decodeURIComponent(target))),
        );
        const scripted = script?.responses.shift();
        if (scripted !== undefined) {
          if (scripted.destroy === true) {
            req.socket.destroy();
            return;
          }
          const status = scripted.status ?? 500;
          if (scripted.body === undefined && status >= 400) {
            graphError(
              res,
              status,
              status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
              `scripted ${status}`,
              requestId,
              scripted.headers,
            );
            return;
          }
          send(res, status, scripted.body, { 'request-id': requestId, ...scripted.headers });
          return;
        }
        handleGraph(req, res, url, requestId);
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    graphUrl: `${base}/v1.0`,
    tenantId,
    clientId,
    secret,
    users,
    groups,
    assignments,
    eligibilities,
    graphRequests,
    tokenRequests,
    issued,
    script(match, ...responses) {
      scripts.push({ method: match.method ?? 'GET', path: match.path, responses: [...responses] });
    },
    revokeTokens() {
      valid.clear();
    },
    get maxInFlight() {
      return maxInFlight;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
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

function decodeJwt(jwt: string): DecodedJwt | undefined {
  const [header, payload] = jwt.split('.');
  if (header === undefined || payload === undefined) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >,
      payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >,
    };
  } catch {
    return undefined;
  }
}

/** Checks a client assertion as Entra documents it; returns why it is refused, if it is. */
function checkAssertion(
  jwt: string,
  decoded: DecodedJwt,
  certificate: X509Certificate,
  clientId: string,
  tokenEndpoint: string,
  clock: () => number,
): string | undefined {
  const thumbprint = createHash('sha256').update(certificate.raw).digest('base64url');
  if (decoded.header['x5t#S256'] !== thumbprint) {
    return `The certificate with identifier used to sign the client assertion is not registered on application. [x5t#S256 ${String(decoded.header['x5t#S256'])}]`;
  }
  const [h = '', p = '', s = ''] = jwt.split('.');
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  const alg = decoded.header.alg;
  const ok =
    alg === 'RS256'
      ? verify('sha256', data, certificate.publicKey, signature)
      : alg === 'PS256'
        ? verify(
            'sha256',
            data,
            {
              key: certificate.publicKey,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: 32,
            },
            signature,
          )
        : false;
  if (!ok) return `Client assertion contains an invalid signature (alg ${String(alg)}).`;
  const { payload } = decoded;
  if (payload.aud !== tokenEndpoint)
    return `The audience claim ${String(payload.aud)} is not the token endpoint.`;
  if (payload.iss !== clientId || payload.sub !== clientId)
    return 'iss and sub must be the client id.';
  const now = Math.floor(clock() / 1000);
  if (typeof payload.exp !== 'number' || payload.exp < now) {
    return 'The client assertion has expired.';
  }
  if (typeof payload.nbf === 'number' && payload.nbf > now + 60) {
    return 'The client assertion is not yet valid.';
  }
  return undefined;
}

// ---- certificates -----------------------------------------------------------------------

export interface TestCertificate {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
}

/** A self-signed RSA certificate, built with node:crypto and a few lines of DER. */
export function createTestCertificate(commonName = 'jit-access-test'): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sha256WithRsa = sequence(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const name = sequence(tlv(0x31, sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName)))));
  const now = Date.now();
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serialNumber()),
    sha256WithRsa,
    name,
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 365 * 86_400_000))),
    name,
    publicKey.export({ format: 'der', type: 'spki' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, sha256WithRsa, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return {
    privateKey,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    certificatePem: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
  };
}

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const length =
    body.length < 0x80
      ? Buffer.from([body.length])
      : (() => {
          const bytes: number[] = [];
          for (let n = body.length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
          return Buffer.from([0x80 | bytes.length, ...bytes]);
        })();
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

function sequence(...parts: Buffer[]): Buffer {
  return tlv(0x30, ...parts);
}

/** A positive 8-byte serial in minimal DER form: a random first byte could be 0x00 (not
 *  minimal, which OpenSSL refuses: a flaky test, once in about 500 runs) or above 0x7f. */
function serialNumber(): Buffer {
  const serial = Buffer.from(randomUUID().replaceAll('-', '').slice(0, 16), 'hex');
  serial[0] = ((serial[0] ?? 1) & 0x7f) | 0x01;
  return serial;
}

function integer(value: Buffer): Buffer {
  const first = value[0] ?? 0;
  return tlv(0x02, first >= 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = arc >> 7; n > 0; n >>= 7) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text));
}

// ---- a small tenant ---------------------------------------------------------------------

/** Object ids of the seeded tenant, by role in the tests. */
export const ids = {
  alice: 'a11ce000-0000-4000-8000-000000000001',
  bob: 'b0b00000-0000-4000-8000-000000000002',
  carol: 'ca501000-0000-4000-8000-000000000003',
  dave: 'da7e0000-0000-4000-8000-000000000004',
  prodAdmin: '9a000000-0000-4000-8000-000000000011',
  devAdmin: '9a000000-0000-4000-8000-000000000012',
  oncall: '9a000000-0000-4000-8000-000000000013',
  oncallNested: '9a000000-0000-4000-8000-000000000014',
  staff: '9a000000-0000-4000-8000-000000000015',
} as const;

/**
 * Seeds users alice, bob, carol, dave and groups `JIT-prod-admin`, `JIT-dev-admin` (PIM
 * managed), `oncall` (bob, and `oncall-nested` with carol) and `staff` (everyone, via oncall).
 */
export function seedTenant(fake: FakeEntra): void {
  const user = (id: string, upn: string, displayName: string, mail?: string): void => {
    fake.users.set(id, {
      id,
      userPrincipalName: upn,
      displayName,
      mail: mail ?? upn.toLowerCase(),
      mailNickname: upn.split('@')[0]?.toLowerCase() ?? upn,
    });
  };
  user(ids.alice, 'Alice@Example.com', 'Alice Example');
  user(ids.bob, 'bob@example.com', 'Bob Example');
  user(ids.carol, 'carol@example.com', 'Carol Example', 'carol.mail@example.org');
  user(ids.dave, 'dave@example.com', 'Dave Example');
  const group = (id: string, displayName: string, members: string[]): void => {
    fake.groups.set(id, { id, displayName, members });
  };
  group(ids.prodAdmin, 'JIT-prod-admin', []);
  group(ids.devAdmin, 'JIT-dev-admin', []);
  group(ids.oncallNested, 'oncall-nested', [ids.carol]);
  group(ids.oncall, 'oncall', [ids.bob, ids.oncallNested]);
  group(ids.staff, 'staff', [ids.alice, ids.dave, ids.oncall]);
}
