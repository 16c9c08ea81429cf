// Random, time-ordered ids for production: `g_` + 48-bit time + 80 random bits, base32.
import { randomBytes } from 'node:crypto';
import type { Ids } from '../../ports/ids.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export function randomIds(now: () => number): Ids {
  return {
    next(prefix: string): string {
      let time = now();
      let head = '';
      for (let i = 0; i < 10; i += 1) {
        head = (ALPHABET[time % 32] ?? '0') + head;
        time = Math.floor(time / 32);
      }
      let tail = '';
      for (const byte of randomBytes(10)) tail += ALPHABET[byte % 32] ?? '0';
      return `${prefix}_${head}${tail}`;
    },
  };
}
