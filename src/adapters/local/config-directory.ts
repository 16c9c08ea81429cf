// The sandbox directory: the users and groups of the config's `directory` section, served
// through the Directory port. Live deployments use Entra ID instead.
import type { DirectoryConfig } from '../../config/config.js';
import type { Directory, DirectoryUser } from '../../ports/directory.js';

export class ConfigDirectory implements Directory {
  readonly #users: readonly DirectoryUser[];
  /** Lower-cased principal id, e-mail and handle -> user. */
  readonly #index = new Map<string, DirectoryUser>();

  /** Serves `directory`; without one (live mode) it knows nobody. */
  constructor(directory: DirectoryConfig | undefined) {
    this.#users = directory?.users ?? [];
    for (const user of this.#users) {
      for (const key of [user.id, user.email, user.name]) {
        const lower = key.toLowerCase();
        if (!this.#index.has(lower)) this.#index.set(lower, user);
      }
    }
  }

  /** Finds a user by principal id, e-mail or handle, ignoring case. */
  findUser(idOrName: string): Promise<DirectoryUser | undefined> {
    return Promise.resolve(this.#index.get(idOrName.trim().toLowerCase()));
  }

  listUsers(): Promise<readonly DirectoryUser[]> {
    return Promise.resolve(this.#users);
  }
}
