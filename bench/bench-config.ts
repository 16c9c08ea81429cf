// The config the benchmarks run on: one role without approval (requests activate at once)
// and one with approval (requests wait), a few users.
export const BENCH_USERS = 200;

export function benchConfig(sqlitePath: string): string {
  const users = Array.from(
    { length: BENCH_USERS },
    (_, i) => `    u${i}: { email: u${i}@example.com, displayName: User ${i}, mfa: true }`,
  ).join('\n');
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
    eligibility: { members: [alice, everyone] }
directory:
  users:
    alice: { email: alice@example.com, displayName: Alice, mfa: true }
    bob: { email: bob@example.com, displayName: Bob, mfa: true }
${users}
  groups:
    everyone: { members: [${Array.from({ length: BENCH_USERS }, (_, i) => `u${i}`).join(', ')}] }
store:
  sqlite: ${JSON.stringify(sqlitePath)}
# The API bench asks ~20 times per user in 5 s: above the default cap of open grants.
# The replicas bench comes through a load balancer (one hop), each user from an address of
# their own, so the per-client rate limit applies per user as it would in production.
server:
  maxOpenGrantsPerPerson: 1000
  trustProxy: 1
`;
}
