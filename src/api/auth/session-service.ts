// Server-side sign-in sessions: a random 32-byte token goes to the person (cookie or bearer);
// only its SHA-256 is stored. Sessions end at their ttl, after an idle timeout, or when
// revoked (sign-out, or an administrator); creation and revocation are audited, without
// tokens. Also the CLI's one-time login codes, bound to the CLI's PKCE challenge.
import { createHash, randomBytes } from 'node:crypto';
import type { Millis } from '../../core/duration.js';
import { ok, refuse, type Result } from '../../core/errors.js';
import type { Instant } from '../../core/grant.js';
import type { Principal } from '../../core/principal.js';
import { inPrincipalSet, type PrincipalSet } from '../../core/role.js';
import type { Clock } from '../../ports/clock.js';
import type { Directory } from '../../ports/directory.js';
import type { SessionKind, SessionRecord, Store } from '../../store/store.js';

/** Session tokens start with this, so a bearer token's kind is plain to see. */
export const SESSION_TOKEN_PREFIX = 'jit_';
/** How long the CLI has to exchange its one-time code. */
export const LOGIN_CODE_TTL_MS = 2 * 60_000;
/** Use is recorded at most this often (the idle timeout is this precise). */
const TOUCH_INTERVAL_MS = 60_000;
/** Ended sessions stay listed this long, then go. */
const KEEP_ENDED_MS = 7 * 24 * 3600_000;

/** Who signed in, as the identity provider said. */
export interface SignIn {
  /** Principal id: the lower-cased UPN or e-mail. */
  readonly principal: string;
  readonly amr: readonly string[];
  /** When the person authenticated; 0 when the provider did not say. */
  readonly authTime: Instant;
  readonly displayName?: string;
}

export interface SessionServiceOptions {
  readonly store: Store;
  readonly directory: Directory;
  readonly admins: PrincipalSet;
  readonly clock: Clock;
  readonly ttl: Millis;
  readonly idleTimeout?: Millis;
  /** Cryptographic randomness; node:crypto's by default. */
  readonly randomBytes?: (size: number) => Buffer;
}

export interface IssuedSession {
  readonly token: string;
  readonly session: SessionRecord;
  readonly principal: Principal;
}

export interface LiveSession {
  readonly session: SessionRecord;
  readonly principal: Principal;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** BASE64URL(SHA-256(verifier)): PKCE's S256. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class SessionService {
  readonly #options: SessionServiceOptions;
  readonly #random: (size: number) => Buffer;

  constructor(options: SessionServiceOptions) {
    this.#options = options;
    this.#random = options.randomBytes ?? randomBytes;
  }

  get ttl(): Millis {
    return this.#options.ttl;
  }

  /** Starts a session for `signIn` and records `session.created`. */
  async create(signIn: SignIn, kind: SessionKind): Promise<IssuedSession> {
    const now = this.#options.clock.now();
    const token = `${SESSION_TOKEN_PREFIX}${this.#random(32).toString('base64url')}`;
    const session: SessionRecord = {
      id: `s_${this.#random(12).toString('base64url')}`,
      tokenHash: hashToken(token),
      principal: signIn.principal,
      kind,
      amr: signIn.amr,
      authTime: signIn.authTime,
      ...(signIn.displayName === undefined ? {} : { displayName: signIn.displayName }),
      createdAt: now,
      expiresAt: now + this.#options.ttl,
      lastSeenAt: now,
    };
    await this.#options.store.transaction(async (tx) => {
      await tx.insertSession(session);
      await tx.appendAudit({
        at: now,
        actor: session.principal,
        action: 'session.created',
        data: {
          sessionId: session.id,
          kind,
          amr: [...session.amr],
          ...(session.authTime > 0 ? { authTime: new Date(session.authTime).toISOString() } : {}),
          expiresAt: new Date(session.expiresAt).toISOString(),
        },
      });
    });
    await this.#options.store.deleteEndedSessions(now - KEEP_ENDED_MS);
    return { token, session, principal: await this.principalOf(session) };
  }

  /** The live session behind `token`, or why it is not live; `signIn` says how to sign in again. */
  async resolve(token: string, signIn: string): Promise<Result<LiveSession>> {
    const session = await this.#options.store.sessionByTokenHash(hashToken(token));
    const now = this.#options.clock.now();
    if (session === undefined) {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `this server knows no such session (it was never issued here, or has been cleaned up); sign in again: ${signIn}`,
      );
    }
    if (session.revokedAt !== undefined) {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `your session was ended at ${new Date(session.revokedAt).toISOString()} (signed out or revoked); sign in again: ${signIn}`,
      );
    }
    if (now >= session.expiresAt) {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `your session expired at ${new Date(session.expiresAt).toISOString()}; sign in again: ${signIn}`,
      );
    }
    const idle = this.#options.idleTimeout;
    if (idle !== undefined && now - session.lastSeenAt >= idle) {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `your session was unused for longer than ${Math.round(idle / 60_000)} minutes and has ended; sign in again: ${signIn}`,
      );
    }
    if (now - session.lastSeenAt >= TOUCH_INTERVAL_MS) {
      await this.#options.store.touchSession(session.id, now);
    }
    return ok({ session, principal: await this.principalOf(session) });
  }

  /** The principal of a session: groups from the directory, admin from the config. */
  async principalOf(session: SessionRecord): Promise<Principal> {
    const user = await this.#options.directory.findUser(session.principal);
    const groups = user?.groups ?? [];
    return {
      id: session.principal,
      groups,
      isAdmin: inPrincipalSet(this.#options.admins, { id: session.principal, groups }),
      amr: session.amr,
      authTime: session.authTime,
    };
  }

  /** Ends one session (sign-out); false when it had already ended. */
  async revoke(sessionId: string, actor: string, reason: string): Promise<boolean> {
    return (await this.#revoke({ id: sessionId }, actor, reason)) > 0;
  }

  /** Ends every live session of `principal`; returns how many. */
  revokeAllOf(principal: string, actor: string, reason: string): Promise<number> {
    return this.#revoke({ principal }, actor, reason);
  }

  /** Live sessions, newest first: of one principal, or everyone's. */
  list(principal?: string): Promise<readonly SessionRecord[]> {
    return this.#options.store.listSessions({
      ...(principal === undefined ? {} : { principal }),
      liveAt: this.#options.clock.now(),
      limit: 1000,
    });
  }

  /** A one-time code for the CLI, valid two minutes, bound to its PKCE `challenge`. */
  async issueLoginCode(signIn: SignIn, challenge: string): Promise<string> {
    const code = this.#random(32).toString('base64url');
    await this.#options.store.saveLoginCode({
      codeHash: hashToken(code),
      challenge,
      expiresAt: this.#options.clock.now() + LOGIN_CODE_TTL_MS,
      ...signIn,
    });
    return code;
  }

  /** Exchanges a one-time code and the CLI's PKCE verifier for a CLI session. A code is
   *  spent by its first exchange, right or wrong. */
  async redeemLoginCode(code: string, verifier: string): Promise<Result<IssuedSession>> {
    const record = await this.#options.store.takeLoginCode(hashToken(code));
    const again = 'run `jit login` again';
    if (record === undefined) {
      return refuse('ERR_UNAUTHENTICATED', `the login code is unknown or already used; ${again}`);
    }
    if (this.#options.clock.now() >= record.expiresAt) {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `the login code expired (codes last ${LOGIN_CODE_TTL_MS / 60_000} minutes); ${again}`,
      );
    }
    if (pkceChallenge(verifier) !== record.challenge) {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `the verifier does not match the challenge this login started with; ${again}`,
      );
    }
    return ok(
      await this.create(
        {
          principal: record.principal,
          amr: record.amr,
          authTime: record.authTime,
          ...(record.displayName === undefined ? {} : { displayName: record.displayName }),
        },
        'cli',
      ),
    );
  }

  async #revoke(
    match: { readonly id: string } | { readonly principal: string },
    actor: string,
    reason: string,
  ): Promise<number> {
    const now = this.#options.clock.now();
    const revoked = await this.#options.store.transaction(async (tx) => {
      const ended = await tx.revokeSessions(match, now);
      for (const session of ended) {
        await tx.appendAudit({
          at: now,
          actor,
          action: 'session.revoked',
          reason,
          data: { sessionId: session.id, principal: session.principal, kind: session.kind },
        });
      }
      return ended;
    });
    return revoked.length;
  }
}
