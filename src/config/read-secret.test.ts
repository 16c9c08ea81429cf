import { describe, expect, it } from 'vitest';
import { JitError } from '../core/errors.js';
import { readSecret } from './read-secret.js';

function failure(run: () => unknown): JitError {
  try {
    run();
  } catch (error) {
    if (error instanceof JitError) return error;
    throw error;
  }
  throw new Error('expected a JitError');
}

describe('readSecret', () => {
  it('reads NAME, or the file NAME_FILE names (without its trailing newline)', () => {
    expect(readSecret({ env: { S: 'from-env' } }, 'S')).toBe('from-env');
    const files: Record<string, string> = { '/run/secrets/s': 'from-file\n' };
    const readFile = (path: string): string => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return text;
    };
    expect(readSecret({ env: { S_FILE: '/run/secrets/s' }, readFile }, 'S')).toBe('from-file');
    expect(readSecret({ env: {} }, 'S')).toBeUndefined();
    expect(readSecret({ env: { S: '' } }, 'S')).toBeUndefined();
  });

  it('refuses both set, a missing file and an empty one, naming the variables and never the value', () => {
    const both = failure(() => readSecret({ env: { S: 'hunter2', S_FILE: '/x' } }, 'S'));
    expect(both.message).toMatch(/both S and S_FILE are set/);
    expect(both.message).not.toContain('hunter2');
    const missing = failure(() =>
      readSecret(
        {
          env: { S_FILE: '/nope' },
          readFile: () => {
            throw Object.assign(new Error('no'), { code: 'ENOENT' });
          },
        },
        'S',
      ),
    );
    expect(missing.message).toBe(
      'S_FILE names /nope, which cannot be read (ENOENT); check the path and that this user may read it',
    );
    const empty = failure(() => readSecret({ env: { S_FILE: '/e' }, readFile: () => '\n' }, 'S'));
    expect(empty.message).toMatch(/which is empty/);
  });
});
