// Certificate credentials of the sandbox app, and verification of `private_key_jwt` client
// assertions against them as Entra does: the header names the certificate by `x5t#S256`
// (or the older `x5t`), the signature must verify with its key, `iss` = `sub` = the client
// id, `aud` = the token endpoint, `exp` in the future, and each `jti` used once.

import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { IdentityError } from './identity-error.js';

interface RegisteredCertificate {
  readonly x5tS256: string;
  readonly x5t: string;
  readonly publicKey: KeyObject;
  readonly notAfter: number;
}

export interface CertificateThumbprints {
  /** base64url SHA-256 of the DER certificate: the `x5t#S256` header value. */
  readonly x5tS256: string;
  /** base64url SHA-1 of the DER certificate: the `x5t` header value. */
  readonly x5t: string;
}

const assertionAlgorithms = ['RS256', 'PS256'];

const invalidClient = (aadsts: number, detail: string): IdentityError =>
  new IdentityError(401, 'invalid_client', aadsts, detail);

export class ClientCertificates {
  readonly #certificates: RegisteredCertificate[] = [];
  /** jti → the assertion's exp (ms), kept until then. */
  readonly #usedJtis = new Map<string, number>();

  /** Registers a PEM certificate; throws a TypeError that says what is wrong with it. */
  add(certificatePem: string): CertificateThumbprints {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(certificatePem);
    } catch {
      throw new TypeError(
        'not a PEM X.509 certificate; pass the certificate (-----BEGIN CERTIFICATE-----), not the private key',
      );
    }
    const x5tS256 = createHash('sha256').update(certificate.raw).digest('base64url');
    const x5t = createHash('sha1').update(certificate.raw).digest('base64url');
    if (!this.#certificates.some((c) => c.x5tS256 === x5tS256)) {
      this.#certificates.push({
        x5tS256,
        x5t,
        publicKey: certificate.publicKey,
        notAfter: Date.parse(certificate.validTo),
      });
    }
    return { x5tS256, x5t };
  }

  get size(): number {
    return this.#certificates.length;
  }

  /** Verifies a client assertion; throws IdentityError (invalid_client) when it fails. */
  async verify(
    assertion: string,
    expected: { readonly clientId: string; readonly tokenEndpoint: string; readonly now: number },
  ): Promise<void> {
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      throw invalidClient(50027, 'JWT token is invalid or malformed.');
    }
    if (typeof header.alg !== 'string' || !assertionAlgorithms.includes(header.alg))
      throw invalidClient(
        50027,
        `JWT token is invalid or malformed. The client assertion must be signed with RS256 or PS256, not ${String(header.alg)}.`,
      );
    const s256 = header['x5t#S256'];
    const sha1 = header.x5t;
    const certificate = this.#certificates.find(
      (c) =>
        (typeof s256 === 'string' && c.x5tS256 === s256) ||
        (typeof sha1 === 'string' && c.x5t === sha1),
    );
    if (certificate === undefined) {
      const named = typeof s256 === 'string' ? s256 : typeof sha1 === 'string' ? sha1 : undefined;
      throw invalidClient(
        700027,
        named === undefined
          ? "Client assertion failed signature validation. [Reason - The key was not found.] The assertion's header must name the certificate by x5t#S256 (or x5t)."
          : `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${named}']`,
      );
    }
    if (expected.now > certificate.notAfter)
      throw invalidClient(
        700027,
        'Client assertion failed signature validation. [Reason - The key used is expired.]',
      );
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(assertion, certificate.publicKey, {
        algorithms: assertionAlgorithms,
        currentDate: new Date(expected.now),
        requiredClaims: ['exp', 'aud', 'iss', 'sub', 'jti'],
      }));
    } catch (error) {
      if (
        error instanceof joseErrors.JWTExpired ||
        (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf')
      )
        throw invalidClient(
          700024,
          `Client assertion is not within its valid time range. Current time: ${new Date(expected.now).toISOString()}.`,
        );
      if (error instanceof joseErrors.JWTClaimValidationFailed)
        throw invalidClient(
          50027,
          `JWT token is invalid or malformed. The claim '${error.claim}' is missing or invalid.`,
        );
      throw invalidClient(700027, 'Client assertion failed signature validation.');
    }
    if (payload.iss !== expected.clientId || payload.sub !== expected.clientId)
      throw invalidClient(
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter.",
      );
    const aud = payload.aud;
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(expected.tokenEndpoint))
      throw invalidClient(
        700023,
        `Client assertion audience claim does not match Realm issuer. The aud claim must be the token endpoint ${expected.tokenEndpoint}.`,
      );
    for (const [jti, until] of this.#usedJtis) if (until < expected.now) this.#usedJtis.delete(jti);
    const jti = String(payload.jti);
    if (this.#usedJtis.has(jti))
      throw invalidClient(
        50027,
        'JWT token is invalid or malformed. The client assertion (its jti) was already used; sign a new one per request.',
      );
    this.#usedJtis.set(jti, Number(payload.exp) * 1000);
  }
}
