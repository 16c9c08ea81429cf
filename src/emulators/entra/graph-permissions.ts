// Microsoft Graph permissions as the emulator knows them: the application permissions the
// sandbox app holds (CLOUD-APIS.md D, plus the write permissions seeding through Graph
// needs), the delegated permissions a sign-in may request, and which of them each kind of
// Graph call accepts.

export const graphResource = 'https://graph.microsoft.com';
/** Graph's application id, accepted as a resource and an audience as Entra does. */
export const graphAppId = '00000003-0000-0000-c000-000000000000';

/** `roles` of the sandbox app's access tokens. */
export const sandboxApplicationPermissions: readonly string[] = [
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
  'RoleManagementPolicy.ReadWrite.AzureADGroup',
  'GroupMember.Read.All',
  'User.Read.All',
  'Synchronization.ReadWrite.All',
  'Group.ReadWrite.All',
  'GroupMember.ReadWrite.All',
  'User.ReadWrite.All',
];

/** Delegated permissions a sign-in may ask for (as `https://graph.microsoft.com/<name>` or bare). */
export const knownDelegatedPermissions: readonly string[] = [
  'User.Read',
  'User.ReadBasic.All',
  'User.Read.All',
  'Group.Read.All',
  'GroupMember.Read.All',
  'Directory.Read.All',
  'PrivilegedAccess.Read.AzureADGroup',
  'PrivilegedAccess.ReadWrite.AzureADGroup',
  'PrivilegedAssignmentSchedule.Read.AzureADGroup',
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
  'RoleManagementPolicy.Read.AzureADGroup',
  'RoleManagementPolicy.ReadWrite.AzureADGroup',
];

/** What `https://graph.microsoft.com/.default` grants a signed-in user (the app's consented set). */
export const defaultDelegatedPermissions: readonly string[] = [
  'User.Read',
  'User.ReadBasic.All',
  'GroupMember.Read.All',
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  'RoleManagementPolicy.Read.AzureADGroup',
];

/** Kinds of Graph access; each route names one, and any listed permission satisfies it. */
export const permissionsFor = {
  readUsers: ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'],
  readMe: [
    'User.Read',
    'User.ReadBasic.All',
    'User.Read.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
  ],
  writeUsers: ['User.ReadWrite.All'],
  readGroups: [
    'GroupMember.Read.All',
    'Group.Read.All',
    'Group.ReadWrite.All',
    'GroupMember.ReadWrite.All',
    'Directory.Read.All',
  ],
  writeGroups: ['Group.ReadWrite.All'],
  writeMembers: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All'],
  readAssignments: [
    'PrivilegedAssignmentSchedule.Read.AzureADGroup',
    'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
    'PrivilegedAccess.Read.AzureADGroup',
    'PrivilegedAccess.ReadWrite.AzureADGroup',
  ],
  writeAssignments: [
    'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
    'PrivilegedAccess.ReadWrite.AzureADGroup',
  ],
  readEligibilities: [
    'PrivilegedEligibilitySchedule.Read.AzureADGroup',
    'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
    'PrivilegedAccess.Read.AzureADGroup',
    'PrivilegedAccess.ReadWrite.AzureADGroup',
  ],
  writeEligibilities: [
    'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
    'PrivilegedAccess.ReadWrite.AzureADGroup',
  ],
  readPolicies: [
    'RoleManagementPolicy.Read.AzureADGroup',
    'RoleManagementPolicy.ReadWrite.AzureADGroup',
  ],
  writePolicies: ['RoleManagementPolicy.ReadWrite.AzureADGroup'],
  synchronization: ['Synchronization.ReadWrite.All'],
  userinfo: ['openid', 'profile', 'email', 'User.Read'],
} as const satisfies Record<string, readonly string[]>;

export type GraphAccess = keyof typeof permissionsFor;

export interface RequestedScopes {
  /** openid, profile, email, offline_access as asked. */
  readonly oidc: readonly string[];
  /** Graph delegated permissions (short names), `.default` expanded. */
  readonly graph: readonly string[];
  /** The scope string as it should be echoed in the token response. */
  readonly granted: string;
}

const oidcScopes = ['openid', 'profile', 'email', 'offline_access'];

/** Parses a delegated `scope` parameter; a string error says which scope is not valid. */
export function parseDelegatedScopes(scope: string): RequestedScopes | string {
  const oidc: string[] = [];
  const graph = new Set<string>();
  for (const item of scope.split(/\s+/).filter((s) => s !== '')) {
    if (oidcScopes.includes(item)) {
      if (!oidc.includes(item)) oidc.push(item);
      continue;
    }
    let name = item;
    for (const prefix of [`${graphResource}/`, `${graphAppId}/`]) {
      if (item.toLowerCase().startsWith(prefix)) name = item.slice(prefix.length);
    }
    if (name === '.default') {
      for (const p of defaultDelegatedPermissions) graph.add(p);
      continue;
    }
    if (name === item && item.includes('/'))
      return `The scope '${item}' names a resource other than Microsoft Graph; the emulator serves only ${graphResource}.`;
    const known = knownDelegatedPermissions.find((p) => p.toLowerCase() === name.toLowerCase());
    if (known === undefined)
      return `The application asked for scope '${name}' that doesn't exist on the resource '${graphAppId}'.`;
    graph.add(known);
  }
  const graphList = graph.size === 0 ? ['User.Read'] : [...graph];
  const granted = [
    ...oidc.filter((s) => s !== 'offline_access'),
    ...graphList.map((p) => `${graphResource}/${p}`),
  ].join(' ');
  return { oidc, graph: graphList, granted };
}
