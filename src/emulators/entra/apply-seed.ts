// Validates and applies an EntraSeed: idempotent by UPN (users) and display name (groups).
// Everything is checked before anything is written, so a bad seed changes nothing. Members
// and eligible principals are UPNs or group display names, from this seed or already there.

import type { EntraDirectory } from './entra-directory.js';
import type {
  EntraSeed,
  EntraSeedGroup,
  EntraSeedResult,
  EntraSeedUser,
} from './entra-emulator-options.js';
import { isRecord } from './http-kit.js';
import type { PimState } from './pim-state.js';

const upnPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Reads a seed from untrusted JSON; a string says what is wrong. */
export function parseSeed(value: unknown): EntraSeed | string {
  if (!isRecord(value)) return 'the seed must be an object {users: [...], groups: [...]}';
  const unknownTop = Object.keys(value).filter((k) => k !== 'users' && k !== 'groups');
  if (unknownTop.length > 0)
    return `unknown seed field ${unknownTop.join(', ')}; use users and groups`;
  const users: EntraSeedUser[] = [];
  const groups: EntraSeedGroup[] = [];
  const rawUsers = value.users ?? [];
  const rawGroups = value.groups ?? [];
  if (!Array.isArray(rawUsers)) return 'users must be a list';
  if (!Array.isArray(rawGroups)) return 'groups must be a list';
  for (const [i, u] of rawUsers.entries()) {
    if (!isRecord(u)) return `users[${i}] must be an object`;
    const bad = Object.keys(u).filter(
      (k) => !['userPrincipalName', 'displayName', 'mail', 'mfa', 'provisioned'].includes(k),
    );
    if (bad.length > 0) return `users[${i}]: unknown field ${bad.join(', ')}`;
    if (typeof u.userPrincipalName !== 'string' || typeof u.displayName !== 'string')
      return `users[${i}] needs userPrincipalName and displayName strings`;
    if (u.mail !== undefined && typeof u.mail !== 'string')
      return `users[${i}].mail must be a string`;
    if (u.mfa !== undefined && typeof u.mfa !== 'boolean')
      return `users[${i}].mfa must be true or false`;
    if (u.provisioned !== undefined && typeof u.provisioned !== 'boolean')
      return `users[${i}].provisioned must be true or false`;
    users.push({
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      ...(u.mail === undefined ? {} : { mail: u.mail }),
      ...(u.mfa === undefined ? {} : { mfa: u.mfa }),
      ...(u.provisioned === undefined ? {} : { provisioned: u.provisioned }),
    });
  }
  const names = (x: unknown, path: string): string[] | string => {
    if (x === undefined) return [];
    if (!Array.isArray(x) || !x.every((m) => typeof m === 'string'))
      return `${path} must be a list of UPNs or group names`;
    return x;
  };
  for (const [i, g] of rawGroups.entries()) {
    if (!isRecord(g)) return `groups[${i}] must be an object`;
    const bad = Object.keys(g).filter(
      (k) =>
        !['displayName', 'description', 'members', 'pim', 'eligible', 'provisioned'].includes(k),
    );
    if (bad.length > 0) return `groups[${i}]: unknown field ${bad.join(', ')}`;
    if (typeof g.displayName !== 'string') return `groups[${i}] needs a displayName string`;
    if (g.description !== undefined && typeof g.description !== 'string')
      return `groups[${i}].description must be a string`;
    for (const flag of ['pim', 'provisioned'] as const)
      if (g[flag] !== undefined && typeof g[flag] !== 'boolean')
        return `groups[${i}].${flag} must be true or false`;
    const members = names(g.members, `groups[${i}].members`);
    if (typeof members === 'string') return members;
    const eligible = names(g.eligible, `groups[${i}].eligible`);
    if (typeof eligible === 'string') return eligible;
    groups.push({
      displayName: g.displayName,
      ...(g.description === undefined ? {} : { description: g.description }),
      members,
      eligible,
      ...(g.pim === undefined ? {} : { pim: g.pim as boolean }),
      ...(g.provisioned === undefined ? {} : { provisioned: g.provisioned as boolean }),
    });
  }
  return { users, groups };
}

/** Applies a seed; throws a TypeError naming the first problem (and then changes nothing). */
export function applySeed(
  directory: EntraDirectory,
  pim: PimState,
  seed: EntraSeed,
  now: number,
): EntraSeedResult {
  const users = seed.users ?? [];
  const groups = seed.groups ?? [];
  const seedUpns = new Set<string>();
  for (const user of users) {
    if (!upnPattern.test(user.userPrincipalName))
      throw new TypeError(
        `seed user ${JSON.stringify(user.userPrincipalName)} needs a UPN like alice@contoso.com`,
      );
    if (user.displayName.trim() === '')
      throw new TypeError(`seed user ${user.userPrincipalName} needs a displayName`);
    const key = user.userPrincipalName.toLowerCase();
    if (seedUpns.has(key))
      throw new TypeError(`seed user ${user.userPrincipalName} is listed twice`);
    seedUpns.add(key);
  }
  const seedGroups = new Set<string>();
  for (const group of groups) {
    if (group.displayName.trim() === '') throw new TypeError('a seed group needs a displayName');
    const key = group.displayName.toLowerCase();
    if (seedGroups.has(key)) throw new TypeError(`seed group ${group.displayName} is listed twice`);
    seedGroups.add(key);
  }
  const known = (name: string): boolean => {
    const key = name.toLowerCase();
    return (
      seedUpns.has(key) ||
      seedGroups.has(key) ||
      directory.user(name) !== undefined ||
      directory.groupByName(name) !== undefined
    );
  };
  for (const group of groups) {
    for (const name of [...(group.members ?? []), ...(group.eligible ?? [])]) {
      if (!known(name))
        throw new TypeError(
          `group ${group.displayName} names ${JSON.stringify(name)}, which is neither a seeded user's UPN nor a group's displayName`,
        );
      if (name.toLowerCase() === group.displayName.toLowerCase())
        throw new TypeError(`group ${group.displayName} cannot contain itself`);
    }
  }

  const result = { users: {} as Record<string, string>, groups: {} as Record<string, string> };
  for (const user of users) {
    let record = directory.user(user.userPrincipalName);
    if (record === undefined) {
      record = directory.createUser({
        userPrincipalName: user.userPrincipalName,
        displayName: user.displayName,
        mail: user.mail ?? user.userPrincipalName,
        mfa: user.mfa ?? false,
        provisioned: user.provisioned ?? false,
      });
    } else {
      record.displayName = user.displayName;
      if (user.mail !== undefined) record.mail = user.mail;
      if (user.mfa !== undefined) record.mfa = user.mfa;
      if (user.provisioned !== undefined) record.provisioned = user.provisioned;
    }
    result.users[record.userPrincipalName.toLowerCase()] = record.id;
  }
  for (const group of groups) {
    let record = directory.groupByName(group.displayName);
    if (record === undefined) {
      record = directory.createGroup({
        displayName: group.displayName,
        description: group.description,
        provisioned: group.provisioned ?? false,
      });
    } else {
      if (group.description !== undefined) record.description = group.description;
      if (group.provisioned !== undefined) record.provisioned = group.provisioned;
      directory.groupChanged(record.id);
    }
    result.groups[record.displayName] = record.id;
    if (group.pim === true || (group.eligible ?? []).length > 0) pim.onboard(record.id, now);
  }
  const resolve = (name: string): string => {
    const id = directory.user(name)?.id ?? directory.groupByName(name)?.id;
    if (id === undefined) throw new Error(`seed name ${name} did not resolve after validation`);
    return id;
  };
  for (const group of groups) {
    const groupId =
      result.groups[directory.groupByName(group.displayName)?.displayName ?? ''] ?? '';
    for (const name of group.members ?? []) {
      const memberId = resolve(name);
      if (pim.isOnboarded(groupId)) pim.assignPermanent(groupId, memberId, now);
      else directory.addMember(groupId, memberId);
    }
    for (const name of group.eligible ?? []) pim.makeEligible(groupId, resolve(name), now);
  }
  return result;
}
