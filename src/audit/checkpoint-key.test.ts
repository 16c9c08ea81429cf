import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointKeyId } from './audit-checkpoint.js';
import { loadCheckpointKey } from './checkpoint-writer.js';

describe('loadCheckpointKey (sandbox key made on first use)', () => {
  it('gives every server starting at the same moment the same complete key, and leaves no staging file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jit-key-'));
    try {
      const sandboxKeyFile = join(dir, 'audit-signing-key.pem');
      const keys = await Promise.all(
        Array.from({ length: 12 }, () => loadCheckpointKey({ sandboxKeyFile })),
      );
      const ids = new Set(keys.map((key) => (key ? checkpointKeyId(key) : 'none')));
      expect(ids.size).toBe(1);
      expect(await readdir(dir)).toEqual(['audit-signing-key.pem']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
