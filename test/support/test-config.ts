// A small sandbox config for acceptance tests: roles chosen to exercise each rule.
export function acceptanceConfig(dir: string): string {
  return `mode: sandbox
admins: [carol]
permissionSets:
  AdminAccess:
    sessionDuration: PT1H
    managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess]
  DbAdmin:
    sessionDuration: PT1H
    managedPolicies: [arn:aws:iam::aws:policy/AmazonRDSFullAccess]
roles:
  prod-admin:
    group: JIT-prod-admin
    permissionSet: AdminAccess
    accounts: ['111111111111']
    activation:
      maxDuration: PT4H
      defaultDuration: PT1H
      requireJustification: true
      requireMfa: true
      approval:
        required: true
        approvers: [bob, carol]
        quorum: 1
    eligibility:
      members: [alice, dave]
  db-admin:
    group: JIT-db-admin
    permissionSet: DbAdmin
    accounts: ['111111111111', '222222222222']
    enforcement: account-assignment
    activation:
      maxDuration: PT2H
      defaultDuration: PT1H
      requireMfa: true
      approval:
        required: true
        approvers: [bob, carol]
        quorum: 2
    eligibility:
      members: [alice]
directory:
  users:
    alice: { email: alice@example.com, displayName: Alice, mfa: true }
    bob: { email: bob@example.com, displayName: Bob, mfa: true }
    carol: { email: carol@example.com, displayName: Carol, mfa: true }
    dave: { email: dave@example.com, displayName: Dave, mfa: false }
    mallory: { email: mallory@example.com, displayName: Mallory, mfa: true }
  groups: {}
store:
  sqlite: ${JSON.stringify(`${dir}/jit.db`)}
server:
  controller: { sweepInterval: PT1M }
`;
}
