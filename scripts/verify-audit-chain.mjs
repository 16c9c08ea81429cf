#!/usr/bin/env node
// Verifies a JIT Access audit export without JIT Access: only Node.js (18 or newer) and this
// file, so an auditor can check the chain on a machine that never ran the product.
//
//   jit audit export --format jsonl > audit.jsonl           # on the JIT Access host
//   node verify-audit-chain.mjs audit.jsonl                  # anywhere
//   node verify-audit-chain.mjs audit.jsonl --checkpoints audit-checkpoints.jsonl \
//        --public-key audit-key.pub.pem                      # and the signed checkpoints
//
// The format it checks (docs/operations.md#the-audit-chains-format):
// - one JSON object per line, entries in order, `seq` from 1 with no gap;
// - `prevHash` is the previous entry's `hash` (64 zeros for entry 1);
// - `hash` is SHA-256 (lower-case hex) over the RFC 8785 canonical JSON (JCS) of the entry's
//   fields `seq, at, actor, action, prevHash` and, when present, `grantId, reason, data,
//   severity` (nothing else; absent fields are left out, never null);
// - a checkpoint (JSON Lines) is `{v: 1, seq, hash, at, keyId, signature}`: Ed25519 over the
//   JCS of `{v, seq, hash, at, keyId}`, base64url; `keyId` is the first 16 hex digits of
//   SHA-256 over the public key's SPKI DER. Each must be signed by the key given and match
//   the export's hash at its `seq`.
//
// Exit 0 when everything verifies, 1 at the first break (named), 2 on a bad command line.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const GENESIS = '0'.repeat(64);
const HASHED = [
  'seq',
  'at',
  'actor',
  'action',
  'prevHash',
  'grantId',
  'reason',
  'data',
  'severity',
];

/** RFC 8785: objects with keys sorted by UTF-16 code units, ECMAScript number and string
 *  serialisation (which JSON.stringify implements), no whitespace. */
function jcs(value) {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new Error('not JSON: a non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(value[k])}`).join(',')}}`;
}

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

function fail(message, code = 1) {
  process.stderr.write(`verify-audit-chain: ${message}\n`);
  process.exit(code);
}

function readLines(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read ${file}: ${error.message}`, 2);
  }
  return text
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '');
}

function parseArgs(argv) {
  const args = { checkpoints: undefined, publicKey: undefined, file: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--checkpoints' || arg === '--public-key') {
      const value = argv[i + 1];
      if (value === undefined) fail(`${arg} needs a file`, 2);
      args[arg === '--checkpoints' ? 'checkpoints' : 'publicKey'] = value;
      i += 1;
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write(
        'usage: verify-audit-chain.mjs EXPORT.jsonl [--checkpoints FILE --public-key PEM]\n',
      );
      process.exit(0);
    } else if (arg.startsWith('-') || args.file !== undefined) {
      fail(
        `unexpected argument ${arg}; usage: verify-audit-chain.mjs EXPORT.jsonl [--checkpoints FILE --public-key PEM]`,
        2,
      );
    } else {
      args.file = arg;
    }
  }
  if (args.file === undefined)
    fail(
      'name the export: verify-audit-chain.mjs audit.jsonl (from jit audit export --format jsonl)',
      2,
    );
  if ((args.checkpoints === undefined) !== (args.publicKey === undefined)) {
    fail(
      '--checkpoints and --public-key go together: the checkpoints are checked with the public key',
      2,
    );
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const hashes = new Map();
let prev = GENESIS;
let seq = 0;
for (const { line, number } of readLines(args.file)) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    fail(`${args.file}:${number}: not JSON`);
  }
  if (entry.seq !== seq + 1)
    fail(
      `${args.file}:${number}: entry ${entry.seq} follows entry ${seq}: entries are missing or out of order`,
    );
  if (entry.prevHash !== prev)
    fail(
      `entry ${entry.seq}: prevHash does not name entry ${seq}'s hash: an entry before it was changed, removed or swapped`,
    );
  const hashed = {};
  for (const field of HASHED) if (entry[field] !== undefined) hashed[field] = entry[field];
  if (sha256(jcs(hashed)) !== entry.hash)
    fail(`entry ${entry.seq}: its hash does not match its content: the entry was edited`);
  hashes.set(entry.seq, entry.hash);
  prev = entry.hash;
  seq = entry.seq;
}

let checked = 0;
if (args.checkpoints !== undefined) {
  let key;
  try {
    key = createPublicKey(readFileSync(args.publicKey));
  } catch (error) {
    fail(`cannot read the public key ${args.publicKey}: ${error.message}`, 2);
  }
  const keyId = sha256Hex(key.export({ type: 'spki', format: 'der' })).slice(0, 16);
  for (const { line, number } of readLines(args.checkpoints)) {
    let c;
    try {
      c = JSON.parse(line);
    } catch {
      fail(`${args.checkpoints}:${number}: not JSON`);
    }
    const name = `checkpoint of entry ${c.seq} taken ${c.at}`;
    if (c.keyId !== keyId)
      fail(`${name} is signed by key ${c.keyId}, not by the key given (${keyId})`);
    const signed = jcs({ v: c.v, seq: c.seq, hash: c.hash, at: c.at, keyId: c.keyId });
    if (!verify(null, Buffer.from(signed), key, Buffer.from(String(c.signature), 'base64url'))) {
      fail(`${name} has a bad signature (the checkpoint file was edited)`);
    }
    if (c.seq > seq)
      fail(`${name}: the export ends at entry ${seq}, so entries were removed after it was taken`);
    if (c.seq > 0 && hashes.get(c.seq) !== c.hash)
      fail(
        `${name}: entry ${c.seq} no longer has the hash signed then: the chain was rewritten up to there`,
      );
    checked += 1;
  }
}

process.stdout.write(
  `ok: ${seq} entries, chain intact${seq > 0 ? `, head ${seq} ${prev}` : ''}` +
    (args.checkpoints === undefined ? '\n' : `; ${checked} signed checkpoints match\n`),
);

function sha256Hex(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}
