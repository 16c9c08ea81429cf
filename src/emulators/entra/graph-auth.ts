// Bearer-token authentication of Graph calls: the token must be one this emulator signed
// (RS256, its key), for Graph (aud), from this tenant (iss), and not expired on the emulator
// clock. Failures are Graph's 401 InvalidAuthenticationToken, with the messages Graph uses.

import type { GraphCaller } from './graph-context.js';
import { GraphError } from './graph-error.js';
import { graphAppId, graphResource } from './graph-permissions.js';
import type { TokenIssuer } from './token-issuer.js';

const wwwAuthenticate = {
  'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${graphAppId}"`,
};

const invalidToken = (message: string): GraphError =>
  new GraphError(401, 'InvalidAuthenticationToken', message, wwwAuthenticate);

export async function authenticateGraphCall(
  authorization: string | undefined,
  tokens: TokenIssuer,
  expected: { readonly issuer: string; readonly tenantId: string; readonly now: number },
): Promise<GraphCaller> {
  if (authorization === undefined || authorization.trim() === '')
    throw invalidToken('Access token is empty.');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (match?.[1] === undefined) throw invalidToken('Access token is empty.');
  const token = match[1];
  if (token.split('.').length !== 3)
    throw invalidToken('CompactToken parsing failed with error code: 80049217');
  const check = await tokens.verify(token, {
    audience: [graphResource, graphAppId],
    issuer: expected.issuer,
    now: expected.now,
  });
  if (!check.ok) {
    switch (check.reason) {
      case 'expired':
        throw invalidToken('Lifetime validation failed, the token is expired.');
      case 'not-yet-valid':
        throw invalidToken('Lifetime validation failed, the token is not yet valid.');
      case 'audience':
        throw invalidToken('Access token validation failure. Invalid audience.');
      case 'issuer':
        throw invalidToken('Access token validation failure. Invalid issuer.');
      case 'signature':
        throw invalidToken('Access token validation failure. Invalid signature.');
      case 'malformed':
        throw invalidToken('Access token validation failure. The token is malformed.');
    }
  }
  const claims = check.claims;
  if (claims.tid !== expected.tenantId)
    throw invalidToken('Access token validation failure. Invalid tenant.');
  const appId = typeof claims.appid === 'string' ? claims.appid : '';
  if (claims.idtyp === 'app') {
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((r): r is string => typeof r === 'string')
      : [];
    return {
      kind: 'app',
      appId,
      objectId: typeof claims.oid === 'string' ? claims.oid : '',
      permissions: roles,
    };
  }
  if (claims.idtyp === 'user' && typeof claims.oid === 'string') {
    const scp = typeof claims.scp === 'string' ? claims.scp.split(' ').filter((s) => s !== '') : [];
    const amr = Array.isArray(claims.amr)
      ? claims.amr.filter((a): a is string => typeof a === 'string')
      : [];
    return {
      kind: 'user',
      appId,
      userId: claims.oid,
      upn: typeof claims.upn === 'string' ? claims.upn : '',
      permissions: scp,
      amr,
    };
  }
  throw invalidToken(
    'Access token validation failure. The token is neither an app nor a user token.',
  );
}
