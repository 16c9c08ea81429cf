// The emulator's signing key (RS256, generated at start, published as a JWKS with `kid`
// and `x5t`), and verification of the access tokens Graph receives, on the emulator clock.

import { createHash, randomBytes } from 'node:crypto';
import {
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose';

export type TokenCheck =
  | { readonly ok: true; readonly claims: JWTPayload }
  | {
      readonly ok: false;
      readonly reason:
        'malformed' | 'expired' | 'not-yet-valid' | 'signature' | 'audience' | 'issuer';
    };

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export class TokenIssuer {
  private constructor(
    readonly kid: string,
    private readonly privateKey: SigningKey,
    private readonly publicKey: SigningKey,
    private readonly publicJwk: JWK,
  ) {}

  static async create(): Promise<TokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    // Entra's kid is the certificate thumbprint; any stable base64url string will do here.
    const kid = createHash('sha1').update(randomBytes(32)).digest('base64url');
    return new TokenIssuer(kid, privateKey, publicKey, jwk);
  }

  jwks(issuer: string): { keys: JWK[] } {
    return {
      keys: [
        {
          ...this.publicJwk,
          kid: this.kid,
          x5t: this.kid,
          use: 'sig',
          alg: 'RS256',
          issuer,
        } as JWK,
      ],
    };
  }

  /** Signs the claims as they are (the caller sets iat, nbf and exp from the clock). */
  sign(claims: JWTPayload): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: this.kid, x5t: this.kid })
      .sign(this.privateKey);
  }

  async verify(
    token: string,
    expected: {
      readonly audience: readonly string[];
      readonly issuer: string;
      readonly now: number;
    },
  ): Promise<TokenCheck> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: ['RS256'],
        currentDate: new Date(expected.now),
        audience: [...expected.audience],
        issuer: expected.issuer,
        requiredClaims: ['exp', 'iat'],
      });
      return { ok: true, claims: payload };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        if (error.claim === 'aud') return { ok: false, reason: 'audience' };
        if (error.claim === 'iss') return { ok: false, reason: 'issuer' };
        if (error.claim === 'nbf' || error.claim === 'iat')
          return { ok: false, reason: 'not-yet-valid' };
        return { ok: false, reason: 'malformed' };
      }
      if (error instanceof joseErrors.JWSSignatureVerificationFailed)
        return { ok: false, reason: 'signature' };
      return { ok: false, reason: 'malformed' };
    }
  }
}
