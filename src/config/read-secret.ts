// Secrets come from the environment, never from the config file: a variable `NAME`, or
// `NAME_FILE` naming a file that holds the value (Docker and Kubernetes secrets, systemd
// credentials). The value is never echoed in an error.
import { readFileSync } from 'node:fs';
import { JitError } from '../core/errors.js';

export interface SecretSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file as text; default the file system. */
  readonly readFile?: (path: string) => string;
}

/**
 * The secret in `NAME` or in the file `NAME_FILE` names (trailing newlines dropped);
 * undefined when neither is set. Both set, or an unreadable or empty file, is an error that
 * names the variables and never the value.
 */
export function readSecret(source: SecretSource, name: string): string | undefined {
  const direct = source.env[name];
  const file = source.env[`${name}_FILE`];
  const hasDirect = direct !== undefined && direct !== '';
  const hasFile = file !== undefined && file !== '';
  if (hasDirect && hasFile) {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `both ${name} and ${name}_FILE are set; set one of them (${name}_FILE names a file that holds the secret)`,
    );
  }
  if (hasDirect) return direct;
  if (!hasFile) return undefined;
  let text: string;
  try {
    text = (source.readFile ?? ((path) => readFileSync(path, 'utf8')))(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `${name}_FILE names ${file}, which cannot be read (${code ?? 'error'}); check the path and that this user may read it`,
    );
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') {
    throw new JitError('ERR_INVALID_CONFIG', `${name}_FILE names ${file}, which is empty`);
  }
  return value;
}
