// The sandbox's stand-in for a cloud: an in-memory target whose holdings live in a JSON
// file outside the server process, so that a crashed server comes back to the access it
// left behind (as it would with AWS). Replaced by the Identity Center emulator later.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Entitlement } from '../../core/grant.js';
import type { Clock } from '../../ports/clock.js';
import { InMemoryAccessTarget } from '../memory/in-memory-access-target.js';

export interface FileAccessTargetOptions {
  readonly path: string;
  readonly clock: Clock;
  readonly pendingPolls?: number;
}

export class FileAccessTarget extends InMemoryAccessTarget {
  override readonly name = 'sandbox-file';
  readonly #path: string;

  constructor(options: FileAccessTargetOptions) {
    super({
      clock: options.clock,
      initial: readHoldings(options.path),
      ...(options.pendingPolls === undefined ? {} : { pendingPolls: options.pendingPolls }),
    });
    this.#path = options.path;
  }

  /** Other processes (another replica, a test) may have changed the file: read it first. */
  protected override refresh(): void {
    this.replaceHoldings(readHoldings(this.#path));
  }

  override snapshot(): readonly Entitlement[] {
    this.refresh();
    return super.snapshot();
  }

  protected override changed(): void {
    // Written synchronously and renamed into place: a crash leaves the old or the new file.
    mkdirSync(dirname(this.#path), { recursive: true });
    const temporary = `${this.#path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ held: super.snapshot() }, null, 2)}\n`);
    renameSync(temporary, this.#path);
  }
}

/** Reads the holdings file; a missing file is an empty target. */
export function readHoldings(path: string): readonly Entitlement[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const parsed = JSON.parse(text) as { held?: Entitlement[] };
  return parsed.held ?? [];
}
