// Shared builders for core tests (not part of the product surface).
import { HOUR, MINUTE } from '../../src/core/duration.js';
import type { Principal } from '../../src/core/principal.js';
import type { Role } from '../../src/core/role.js';

export function testRole(
  overrides: Partial<Role> = {},
  activation: Partial<Role['activation']> = {},
): Role {
  const base: Role = {
    name: 'prod-admin',
    group: 'JIT-prod-admin',
    permissionSet: 'AdminAccess',
    accounts: ['111111111111', '222222222222'],
    enforcement: 'group-membership',
    source: 'native',
    drift: 'report',
    activation: {
      maxDuration: 8 * HOUR,
      defaultDuration: HOUR,
      requireJustification: true,
      requireTicket: false,
      requireMfa: true,
      approval: {
        required: true,
        approvers: { users: ['bob@example.com', 'carol@example.com'], groups: ['approvers'] },
        quorum: 1,
        allowSelfApproval: false,
      },
      ...activation,
    },
    eligibility: { members: { users: ['alice@example.com'], groups: ['developers'] } },
    breakGlass: false,
    ...overrides,
  };
  return base;
}

export function person(id: string, options: Partial<Principal> = {}): Principal {
  return {
    id,
    groups: [],
    isAdmin: false,
    amr: ['pwd', 'mfa'],
    authTime: 0,
    ...options,
  };
}

export const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
export { HOUR, MINUTE };
