// Random, time-ordered ids for production: `g_` + 48-bit time (10 characters) + 80 random
// bits (16 characters), Crockford-style base32 without i, l, o, u.
import { randomBytes } from 'node:crypto';
import type { Ids } from '../../ports/ids.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const RANDOM_BYTES = 10;

export function randomIds(now: () => number): Ids {
  return {
    next(prefix: string): string {
      let time = now();
      let head = '';
      for (let i = 0; i < 10; i += 1) {
        head = (ALPHABET[time % 32] ?? '0') + head;
        time = Math.floor(time / 32);
      }
      return `${prefix}_${head}${base32(randomBytes(RANDOM_BYTES))}`;
    },
  };
}

/** Every bit of `bytes`, five to a character (80 bits: 16 characters). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31] ?? '0';
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31] ?? '0';
  return out;
}
