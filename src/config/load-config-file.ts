// Reads `jit.config.yaml` from disk and validates it. A file that cannot be read is one
// error line naming the path and the fix, never an exception.
import { readFile } from 'node:fs/promises';
import type { LoadConfigResult } from './config.js';
import { parseConfig } from './parse-config.js';

/** `env:NAME`: the document itself is in the environment variable NAME (a container whose
 *  platform passes no files, e.g. the CDK app's ECS task). */
const FROM_ENVIRONMENT = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

/** Loads and validates a config file (or `env:NAME`); missing or unreadable files give one
 *  clear error. */
export async function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LoadConfigResult> {
  const variable = FROM_ENVIRONMENT.exec(path)?.[1];
  if (variable !== undefined) {
    const document = env[variable];
    if (document === undefined || document.trim() === '') {
      return {
        ok: false,
        errors: [
          `${path}: the environment variable ${variable} is not set or empty; set it to the YAML document, or give --config a file path`,
        ],
      };
    }
    return parseConfig(document, `$${variable}`);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, errors: [`${path}: ${readProblem(error)}`] };
  }
  return parseConfig(text, path);
}

function readProblem(error: unknown): string {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file; check the path, or copy examples/jit.config.yaml there to start';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; make the file readable by the user running jit';
    case 'EISDIR':
      return 'is a directory; give the path of the YAML file itself, e.g. jit.config.yaml';
    default:
      return `cannot be read (${code || 'unknown error'}); check the path and its permissions`;
  }
}
