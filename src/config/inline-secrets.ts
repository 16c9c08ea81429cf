// Refuses secrets written into the config file itself: a key that names a secret (a client
// secret, a password, a token, a private key) or a database URL that carries a password.
// The config is committed and reviewed; secrets belong in the environment or in files
// (`NAME` or `NAME_FILE`), named from the config where needed (`clientSecretEnv`).
import type { ConfigProblem } from './config-problem.js';

const SECRET_KEY = /(?:secret|password|passwd|token|privatekey|apikey|credentials?)$/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:[^@/\s]+@/i;

/** The hint for a key that looks like a secret, by the key's place in the file. */
function alternative(path: readonly (string | number)[], key: string): string {
  const where = path.join('.');
  if (/^(?:auth\.oidc|entra)$/.test(where) && /secret/i.test(key)) {
    return `name an environment variable that holds it with ${where}.clientSecretEnv (the variable, or VARIABLE_FILE naming a file that holds it)`;
  }
  if (/privatekey/i.test(key)) {
    return 'point at a key file instead (certificate: { privateKeyFile, certificateFile }), readable by this user only';
  }
  return 'put it in an environment variable (or a file named by VARIABLE_FILE) and leave it out of the config file';
}

/** Every secret written inline in the parsed YAML, as config problems. */
export function inlineSecrets(data: unknown, path: (string | number)[] = []): ConfigProblem[] {
  if (Array.isArray(data)) return data.flatMap((item, i) => inlineSecrets(item, [...path, i]));
  if (typeof data !== 'object' || data === null) {
    if (typeof data === 'string' && URL_WITH_PASSWORD.test(data)) {
      return [
        {
          path,
          message:
            'is a URL with a password in it; secrets never go in the config file: give the database URL as DATABASE_URL (or DATABASE_URL_FILE naming a file that holds it)',
        },
      ];
    }
    return [];
  }
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (SECRET_KEY.test(key) && typeof value === 'string' && value !== '') {
      problems.push({
        path: [...path, key],
        message: `looks like a secret written into the config file, which is refused: ${alternative(path, key)}`,
      });
      continue;
    }
    problems.push(...inlineSecrets(value, [...path, key]));
  }
  return problems;
}
