// Turns the `directory` section into users and groups: principal ids from e-mails, group
// members resolved to users, and each user's group list filled in. Names of users and
// groups share one namespace, because the rest of the config refers to both by name.
import type { DirectoryUser } from '../ports/directory.js';
import type { DirectoryConfig, DirectoryGroupConfig } from './config.js';
import type { ConfigProblem } from './config-problem.js';
import type { RawConfig } from './config-schema.js';
import { didYouMean } from './nearest.js';

type RawDirectory = NonNullable<RawConfig['directory']>;

/** Builds the directory, pushing a problem for each duplicate, clash or unknown member. */
export function buildDirectory(raw: RawDirectory, errors: ConfigProblem[]): DirectoryConfig {
  const byHandle = new Map<string, string>();
  const byEmail = new Map<string, string>();
  const users: { handle: string; id: string; displayName: string; email: string; mfa: boolean }[] =
    [];
  for (const [handle, user] of Object.entries(raw.users)) {
    const path = ['directory', 'users', handle];
    const other = byHandle.get(handle.toLowerCase());
    if (other !== undefined) {
      errors.push({
        path,
        message: `user ${handle} differs from user ${other} only in case; handles are case-insensitive, rename one`,
      });
      continue;
    }
    const id = user.email.toLowerCase();
    const owner = byEmail.get(id);
    if (owner !== undefined) {
      // Still known by handle, so that references to it do not add a second error.
      errors.push({
        path: [...path, 'email'],
        message: `${user.email} is also the e-mail of user ${owner}; each user needs their own e-mail`,
      });
    } else byEmail.set(id, handle);
    byHandle.set(handle.toLowerCase(), handle);
    users.push({
      handle,
      id,
      displayName: user.displayName ?? handle,
      email: user.email,
      mfa: user.mfa,
    });
  }

  const groupNames = new Map<string, string>();
  const groups: DirectoryGroupConfig[] = [];
  const memberships = new Map<string, string[]>();
  for (const [name, group] of Object.entries(raw.groups)) {
    const path = ['directory', 'groups', name];
    const clash = byHandle.get(name.toLowerCase());
    if (clash !== undefined) {
      errors.push({
        path,
        message: `"${name}" is also the handle of user ${clash}; users and groups are referred to by name, so rename one`,
      });
      continue;
    }
    const twin = groupNames.get(name.toLowerCase());
    if (twin !== undefined) {
      errors.push({
        path,
        message: `group ${name} differs from group ${twin} only in case; group names are case-insensitive, rename one`,
      });
      continue;
    }
    groupNames.set(name.toLowerCase(), name);
    const members: string[] = [];
    const handles = new Set<string>();
    group.members.forEach((entry, index) => {
      const memberPath = [...path, 'members', index];
      const key = entry.trim().toLowerCase();
      const handle = byHandle.get(key) ?? byEmail.get(key);
      if (handle === undefined) {
        const isGroup = Object.keys(raw.groups).some((g) => g.toLowerCase() === key);
        errors.push({
          path: memberPath,
          message: isGroup
            ? `"${entry}" is a group; groups cannot contain groups (Identity Center does not sync nested groups), list its users instead`
            : unknownUser(entry, [...byHandle.values(), ...byEmail.keys()]),
        });
        return;
      }
      const id = users.find((user) => user.handle === handle)?.id ?? key;
      if (handles.has(handle)) {
        errors.push({ path: memberPath, message: `lists user ${handle} twice; remove one` });
        return;
      }
      handles.add(handle);
      members.push(id);
      memberships.set(id, [...(memberships.get(id) ?? []), name]);
    });
    groups.push({
      name,
      ...(group.description === undefined ? {} : { description: group.description }),
      members,
    });
  }

  const directoryUsers: DirectoryUser[] = users.map((user) => ({
    id: user.id,
    name: user.handle,
    displayName: user.displayName,
    email: user.email,
    mfa: user.mfa,
    groups: memberships.get(user.id) ?? [],
  }));
  return { users: directoryUsers, groups };
}

function unknownUser(entry: string, candidates: readonly string[]): string {
  const hint = didYouMean(entry, candidates);
  return hint === ''
    ? `unknown user ${JSON.stringify(entry)}; add it to directory.users`
    : `unknown user ${JSON.stringify(entry)};${hint} Add it to directory.users`;
}
