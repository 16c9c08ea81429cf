// Appends a signed checkpoint of the audit chain's head to a file outside the database,
// every interval while the head moves and once more at stop (see audit-checkpoint.ts).
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, link, mkdir, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { AuditHead } from './audit-chain.js';
import { parseCheckpoints, signCheckpoint } from './audit-checkpoint.js';

export interface CheckpointWriterOptions {
  readonly head: () => Promise<AuditHead>;
  readonly file: string;
  readonly privateKey: KeyObject;
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly logger: Logger;
}

export class AuditCheckpointWriter {
  readonly #options: CheckpointWriterOptions;
  #timer: NodeJS.Timeout | undefined;
  #lastSeq: number | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(options: CheckpointWriterOptions) {
    this.#options = options;
  }

  /** Writes a first checkpoint, then one every interval while the head moves. */
  async start(): Promise<void> {
    this.#lastSeq = await lastCheckpointSeq(this.#options.file);
    await this.writeNow();
    this.#timer = setInterval(() => {
      void this.writeNow();
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Writes a checkpoint now if the head moved since the last one. Never throws. */
  writeNow(): Promise<void> {
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.writeNow();
  }

  async #write(): Promise<void> {
    const { file, privateKey, clock, logger } = this.#options;
    try {
      const head = await this.#options.head();
      if (head.seq === this.#lastSeq) return;
      const checkpoint = signCheckpoint(head, clock.now(), privateKey);
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await appendFile(file, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
      this.#lastSeq = head.seq;
    } catch (error) {
      logger.error(
        { file, err: error instanceof Error ? error.message : String(error) },
        'could not write an audit checkpoint; will try again',
      );
    }
  }
}

/** The seq of the last checkpoint in the file (read from its tail), if any. */
async function lastCheckpointSeq(file: string): Promise<number | undefined> {
  if (!existsSync(file)) return undefined;
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 8_192);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const last = lines.at(-1);
    if (last === undefined) return undefined;
    const parsed = parseCheckpoints(last, file);
    return parsed.ok ? parsed.checkpoints[0]?.seq : undefined;
  } finally {
    await handle.close();
  }
}

/**
 * The checkpoint signing key: the Ed25519 private key (PKCS#8 PEM) in `keyFile` when one is
 * given; otherwise, in the sandbox only, one generated once into `sandboxKeyFile` (mode 0600).
 * Undefined when there is neither. The key never goes into the database.
 */
export async function loadCheckpointKey(options: {
  readonly keyFile?: string;
  readonly sandboxKeyFile?: string;
}): Promise<KeyObject | undefined> {
  const path = options.keyFile ?? options.sandboxKeyFile;
  if (path === undefined) return undefined;
  if (options.keyFile === undefined && !existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // Written whole under a name of its own, then linked into place: link never replaces a
    // file, so a second server starting at the same moment either wins or reads a complete
    // key (never the empty file an exclusive create leaves before its write lands).
    const staged = `${path}.${String(process.pid)}.${randomBytes(4).toString('hex')}`;
    await writeFile(staged, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
      flag: 'wx',
    });
    try {
      await link(staged, path).catch((error: unknown) => {
        // Another process made it first: use theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      });
    } finally {
      await unlink(staged).catch(() => undefined);
    }
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(
      `cannot read the audit signing key ${path}; check the path and its permissions`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new Error(
      `${path} is not a PEM private key; make one with: openssl genpkey -algorithm ed25519 -out ${path}`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(
      `${path} is a ${String(key.asymmetricKeyType)} key; audit checkpoints are signed with Ed25519 (openssl genpkey -algorithm ed25519)`,
    );
  }
  return key;
}
