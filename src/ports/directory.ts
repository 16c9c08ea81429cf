// Who people are and which groups they are in. The sandbox reads it from the config;
// the Entra issue brings Graph.

export interface DirectoryUser {
  /** Principal id: the user's UPN / e-mail in lower case, e.g. `alice@example.com`. */
  readonly id: string;
  /** Short handle used in the config and by `jit login --as`, e.g. `alice`. */
  readonly name: string;
  readonly displayName: string;
  readonly email: string;
  /** Sandbox only: whether this user's sign-in carries MFA. */
  readonly mfa: boolean;
  readonly groups: readonly string[];
}

export interface Directory {
  /** Finds a user by principal id, e-mail or short handle (case-insensitive). */
  findUser(idOrName: string): Promise<DirectoryUser | undefined>;
  listUsers(): Promise<readonly DirectoryUser[]>;
}
