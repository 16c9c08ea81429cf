// What the controller manages in the target: the groups of group-membership roles and the
// permission sets of account-assignment roles in their accounts, plus wherever the given
// entitlements point (grants of roles since removed from the config, owed revocations).
// The controller lists this scope each pass; the incident command reads the same scope.
import type { Entitlement } from '../core/grant.js';
import type { Role } from '../core/role.js';
import type { TargetScope } from '../ports/access-target.js';

export function managedScope(roles: Iterable<Role>, extra: Iterable<Entitlement>): TargetScope {
  const groups = new Set<string>();
  const assignments = new Map<string, Set<string>>();
  const addAssignment = (permissionSet: string, account: string): void => {
    assignments.set(permissionSet, (assignments.get(permissionSet) ?? new Set()).add(account));
  };
  for (const role of roles) {
    if (role.enforcement === 'group-membership') groups.add(role.group);
    else for (const account of role.accounts) addAssignment(role.permissionSet, account);
  }
  for (const e of extra) {
    if (e.kind === 'group-membership') groups.add(e.group);
    else addAssignment(e.permissionSet, e.account);
  }
  return {
    groups: [...groups].sort(),
    assignments: [...assignments].map(([permissionSet, accounts]) => ({
      permissionSet,
      accounts: [...accounts].sort(),
    })),
  };
}
