// `jit audit verify`: the chain from the store, checked entry by entry against its head, and
// against the signed checkpoints kept outside the database when there are any (review M7).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AuditEntry } from '../audit/audit-entry.js';
import {
  checkCheckpoints,
  parseCheckpoints,
  type CheckpointCheck,
} from '../audit/audit-checkpoint.js';
import { verifyAudit, type VerifyAuditResult } from '../audit/verify-audit.js';
import type { JitConfig } from '../config/index.js';
import type { Store } from '../store/store.js';
import { CliError } from './cli-error.js';

export interface AuditVerifyOptions {
  /** The checkpoint file; default the config's `audit.checkpoints.file` when it exists. */
  readonly checkpoints?: string;
  /** A PEM key (public, or the private signing key) to check checkpoints with. */
  readonly publicKey?: string;
}

export interface AuditVerifyReport {
  readonly chain: VerifyAuditResult;
  readonly checkpoints?: CheckpointCheck & { readonly file: string };
}

/** Verifies the chain and its checkpoints; throws CliError naming the first problem. */
export async function verifyAuditWithCheckpoints(
  store: Store,
  config: JitConfig | undefined,
  env: NodeJS.ProcessEnv,
  options: AuditVerifyOptions,
): Promise<AuditVerifyReport> {
  const file = options.checkpoints ?? config?.audit.checkpoints.file;
  const checkpointsWanted =
    file !== undefined && (options.checkpoints !== undefined || existsSync(file));
  const parsed = checkpointsWanted ? await readCheckpoints(file) : undefined;
  const wanted = new Set(parsed?.map((c) => c.seq) ?? []);
  const hashes = new Map<number, string>();

  // The head first: entries appended while verifying are not part of what is checked.
  const head = await store.auditHead();
  async function* recording(): AsyncIterable<AuditEntry> {
    for await (const entry of store.auditEntries(1000, head.seq)) {
      if (wanted.has(entry.seq)) hashes.set(entry.seq, entry.hash);
      yield entry;
    }
  }
  const chain = await verifyAudit(recording(), head);
  if (!chain.ok || parsed === undefined || file === undefined) return { chain };
  const key = await checkpointKey(config, env, options.publicKey);
  const checked = checkCheckpoints(parsed, key, { head, hashAt: (seq) => hashes.get(seq) });
  return { chain, checkpoints: { ...checked, file } };
}

async function readCheckpoints(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError(`cannot read the audit checkpoints ${file}; check --checkpoints`);
  }
  const parsed = parseCheckpoints(text, file);
  if (!parsed.ok) throw new CliError(`audit checkpoints unreadable: ${parsed.problem}`);
  return parsed.checkpoints;
}

async function checkpointKey(
  config: JitConfig | undefined,
  env: NodeJS.ProcessEnv,
  given: string | undefined,
): Promise<KeyObject> {
  const sandboxKey =
    config?.mode === 'sandbox'
      ? join(dirname(config.store.sqlitePath), 'audit-signing-key.pem')
      : undefined;
  const path =
    given ??
    env['JIT_AUDIT_SIGNING_KEY_FILE'] ??
    (sandboxKey !== undefined && existsSync(sandboxKey) ? sandboxKey : undefined);
  if (path === undefined) {
    throw new CliError(
      'there are audit checkpoints but no key to check them with; pass --public-key with the signing key’s public half',
    );
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`cannot read the key ${path}; check --public-key`);
  }
  try {
    return createPublicKey(text);
  } catch {
    throw new CliError(`${path} is not a PEM public or private key`);
  }
}
