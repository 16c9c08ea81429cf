// One entry of the hash-chained audit log.
import type { Instant } from '../core/grant.js';

export interface AuditInput {
  readonly at: Instant;
  /** Principal id, or `system:controller` and the like for machinery. */
  readonly actor: string;
  /** Dotted action name, e.g. `grant.approved`, `target.granted`, `drift.detected`. */
  readonly action: string;
  readonly grantId?: string;
  readonly reason?: string;
  /** Extra facts; never secrets. Must be plain JSON. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** Loud events (break-glass, failures, drift) that also alert. */
  readonly severity?: 'info' | 'warning' | 'alert';
}

export interface AuditEntry extends AuditInput {
  /** Position in the chain, from 1. */
  readonly seq: number;
  /** Hash of the previous entry (64 zeros for the first). */
  readonly prevHash: string;
  /** SHA-256 (hex) over the RFC 8785 canonical JSON of the entry without `hash`. */
  readonly hash: string;
}
