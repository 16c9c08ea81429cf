// Where the CLI keeps its sign-in: `$JIT_HOME/credentials.json` (default `~/.jit`), mode 0600.
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Credentials {
  readonly server: string;
  readonly token: string;
  readonly user: string;
  readonly expiresAt: string;
}

export class CredentialStore {
  readonly #path: string;

  constructor(home: string) {
    this.#path = join(home, 'credentials.json');
  }

  get path(): string {
    return this.#path;
  }

  async read(): Promise<Credentials | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.#path, 'utf8')) as Partial<Credentials>;
      if (typeof parsed.token !== 'string' || typeof parsed.server !== 'string') return undefined;
      return {
        server: parsed.server,
        token: parsed.token,
        user: parsed.user ?? '',
        expiresAt: parsed.expiresAt ?? '',
      };
    } catch {
      return undefined;
    }
  }

  async write(credentials: Credentials): Promise<void> {
    await mkdir(join(this.#path, '..'), { recursive: true, mode: 0o700 });
    await writeFile(this.#path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    await chmod(this.#path, 0o600);
  }

  async clear(): Promise<void> {
    await rm(this.#path, { force: true });
  }
}
