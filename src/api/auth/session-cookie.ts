// The browser session cookie: the session token, signed with @fastify/cookie's signer so a
// tampered value is refused before the store is asked. httpOnly, SameSite=Lax, Path=/, and
// Secure with the `__Host-` prefix unless the server runs over plain http (the sandbox).
import { signerFactory, type SerializeOptions } from '@fastify/cookie';

export interface CookieToSet {
  readonly name: string;
  readonly value: string;
  readonly options: SerializeOptions;
}

export class SessionCookie {
  readonly name: string;
  readonly #secure: boolean;
  readonly #signer: ReturnType<typeof signerFactory>;

  constructor(options: { readonly key: Buffer; readonly secure: boolean }) {
    this.#secure = options.secure;
    this.name = options.secure ? '__Host-jit_session' : 'jit_session';
    this.#signer = signerFactory(options.key);
  }

  get secure(): boolean {
    return this.#secure;
  }

  /** The cookie that carries `token` for `maxAgeMs`. */
  set(token: string, maxAgeMs: number): CookieToSet {
    return {
      name: this.name,
      value: this.#signer.sign(token),
      options: { ...this.#options(), maxAge: Math.max(0, Math.floor(maxAgeMs / 1000)) },
    };
  }

  /** The cookie that removes it. */
  clear(): CookieToSet {
    return { name: this.name, value: '', options: { ...this.#options(), maxAge: 0 } };
  }

  /** The token in a cookie value; `invalid` when the signature does not match. */
  read(value: string): { readonly token: string } | 'invalid' {
    const result = this.#signer.unsign(value);
    return result.valid ? { token: result.value } : 'invalid';
  }

  #options(): SerializeOptions {
    return { httpOnly: true, sameSite: 'lax', secure: this.#secure, path: '/' };
  }
}
