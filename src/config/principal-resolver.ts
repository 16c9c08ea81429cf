// Resolves the names people write in the config (a handle such as `bob`, an e-mail, or a
// group name) into a user's principal id or a group. With a directory every name must
// exist there; in live mode without one, `@` marks a user and anything else is a group.
import type { DirectoryConfig } from './config.js';
import { didYouMean } from './nearest.js';

export type Resolution =
  | { readonly kind: 'user'; readonly id: string }
  | { readonly kind: 'group'; readonly name: string }
  | { readonly kind: 'unknown'; readonly message: string };

export class PrincipalResolver {
  readonly #directory: DirectoryConfig | undefined;
  /** Lower-cased handle or e-mail -> principal id. */
  readonly #users = new Map<string, string>();
  /** Lower-cased group name -> group name as declared. */
  readonly #groups = new Map<string, string>();
  readonly #candidates: string[] = [];

  constructor(directory: DirectoryConfig | undefined) {
    this.#directory = directory;
    for (const user of directory?.users ?? []) {
      this.#users.set(user.name.toLowerCase(), user.id);
      this.#users.set(user.email.toLowerCase(), user.id);
      this.#candidates.push(user.name, user.email);
    }
    for (const group of directory?.groups ?? []) {
      this.#groups.set(group.name.toLowerCase(), group.name);
      this.#candidates.push(group.name);
    }
  }

  /** Whether names are checked against a directory. */
  get checked(): boolean {
    return this.#directory !== undefined;
  }

  /** Resolves one entry; `what` names it in the error ("approver", "eligible member"). */
  resolve(entry: string, what: string): Resolution {
    const name = entry.trim();
    if (this.#directory === undefined) {
      return name.includes('@')
        ? { kind: 'user', id: name.toLowerCase() }
        : { kind: 'group', name };
    }
    const user = this.#users.get(name.toLowerCase());
    if (user !== undefined) return { kind: 'user', id: user };
    const group = this.#groups.get(name.toLowerCase());
    if (group !== undefined) return { kind: 'group', name: group };
    const hint = didYouMean(name, this.#candidates);
    return {
      kind: 'unknown',
      message:
        hint === ''
          ? `unknown ${what} ${JSON.stringify(name)}; add it to directory.users or directory.groups`
          : `unknown ${what} ${JSON.stringify(name)};${hint} Add it to directory.users or directory.groups`,
    };
  }

  /**
   * The distinct people in a set of users and groups (group members expanded), or
   * `undefined` without a directory, where group membership is not known.
   */
  people(set: {
    readonly users: readonly string[];
    readonly groups: readonly string[];
  }): Set<string> | undefined {
    if (this.#directory === undefined) return undefined;
    const people = new Set(set.users);
    for (const group of this.#directory.groups) {
      if (set.groups.includes(group.name)) for (const member of group.members) people.add(member);
    }
    return people;
  }

  /** The handle of a principal id, for messages (`bob` rather than `bob@example.com`). */
  handleOf(id: string): string {
    return this.#directory?.users.find((user) => user.id === id)?.name ?? id;
  }
}
