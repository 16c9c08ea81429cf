// The config the benchmarks run on: one role without approval (requests activate at once)
// and one with approval (requests wait), a few users.
export function benchConfig(sqlitePath: string): string {
  return `mode: sandbox
permissionSets:
  Admin:
    sessionDuration: PT1H
    managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess]
roles:
  ops:
    group: JIT-ops
    permissionSet: Admin
    accounts: ['111111111111']
    activation:
      maxDuration: PT8H
      requireMfa: true
      approval: { required: true, approvers: [bob], quorum: 1 }
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com, displayName: Alice, mfa: true }
    bob: { email: bob@example.com, displayName: Bob, mfa: true }
store:
  sqlite: ${JSON.stringify(sqlitePath)}
`;
}
