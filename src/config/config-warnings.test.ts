// Warnings: legal settings that are risky or have no effect. The config still loads.
import { describe, expect, it } from 'vitest';
import { at, baseConfig, loaded } from '../../test/harness/config-builders.js';

const ROLE = ['roles', 'ec2-admin'] as const;

describe('config warnings', () => {
  it('the base config used by these tests loads without warnings', () => {
    expect(loaded(baseConfig()).warnings).toEqual([]);
  });

  it("warns when the permission set's sessions outlast the role's maximum activation", () => {
    const config = baseConfig();
    at(config, 'permissionSets', 'EC2Admin').sessionDuration = 'PT12H';
    at(config, ...ROLE, 'activation').maxDuration = 'PT1H';
    expect(loaded(config).warnings).toEqual([
      "roles.ec2-admin: permission set EC2Admin's sessions last PT12H, longer than the role's maximum activation PT1H; sessions can outlive the grant unless session revocation is on. Shorten sessionDuration",
      // read-only keeps the default maximum of PT8H, still under PT12H.
      "roles.read-only: permission set EC2Admin's sessions last PT12H, longer than the role's maximum activation PT8H; sessions can outlive the grant unless session revocation is on. Shorten sessionDuration",
    ]);
  });

  it('warns when a role needs neither approval nor MFA', () => {
    const config = baseConfig();
    at(config, 'roles', 'read-only').activation = { requireMfa: false };
    expect(loaded(config).warnings).toEqual([
      'roles.read-only.activation: neither approval nor MFA is required, so a password alone activates this role; set requireMfa: true or approval.required: true',
    ]);
  });

  it('warns that a quorum has no effect without required approval', () => {
    const config = baseConfig();
    Object.assign(at(config, ...ROLE, 'activation', 'approval'), { required: false, quorum: 2 });
    expect(loaded(config).warnings).toEqual([
      'roles.ec2-admin.activation.approval.quorum: quorum 2 has no effect because approval.required is false; set required: true or remove quorum',
    ]);
  });

  it('warns about a break-glass role without an approval step, which would raise no alert', () => {
    const config = baseConfig();
    at(config, 'roles', 'read-only').breakGlass = true;
    expect(loaded(config).warnings).toEqual([
      'roles.read-only.breakGlass: a break-glass role without approval.required activates with no approval step, so no self-approval is recorded and no break-glass alert is raised; set activation.approval.required: true',
    ]);
  });

  it('warns when an eligible approver could never gather the quorum for their own request', () => {
    const config = baseConfig();
    // bob and carol approve, quorum 2, and bob is also eligible: his requests need two
    // approvals, but only carol can give one.
    Object.assign(at(config, ...ROLE, 'activation', 'approval'), { quorum: 2 });
    at(config, ...ROLE, 'eligibility').members = ['alice', 'bob'];
    expect(loaded(config).warnings).toEqual([
      'roles.ec2-admin.activation.approval.quorum: bob can both request and approve this role; their own requests need 2 approvals from the 1 other approver and can never be approved; add approvers or lower quorum',
    ]);
  });

  it('does not warn about an eligible approver on a break-glass role, who may self-approve', () => {
    const config = baseConfig();
    role(config).breakGlass = true;
    Object.assign(at(config, ...ROLE, 'activation', 'approval'), { quorum: 2 });
    at(config, ...ROLE, 'eligibility').members = ['bob'];
    expect(loaded(config).warnings).toEqual([]);
  });

  it('warns about a permission set without a permissions boundary', () => {
    const config = baseConfig();
    delete at(config, 'permissionSets', 'EC2Admin').permissionsBoundary;
    expect(loaded(config).warnings).toEqual([
      'permissionSets.EC2Admin: has no permissionsBoundary, so nothing caps what its policies allow; add permissionsBoundary: { customerManagedPolicy: { name: JitPermissionsBoundary } }',
    ]);
  });

  it('warns about a permission set that grants nothing', () => {
    const config = baseConfig();
    at(config, 'permissionSets', 'EC2Admin').managedPolicies = [];
    expect(loaded(config).warnings).toEqual([
      'permissionSets.EC2Admin: grants nothing: it has no managedPolicies, customerManagedPolicies or inlinePolicy; add the permissions the role needs',
    ]);
  });

  it('warns about a permission set no role uses', () => {
    const config = baseConfig();
    at(config, 'permissionSets').Spare = {
      managedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      permissionsBoundary: { managedPolicyArn: 'arn:aws:iam::111111111111:policy/Boundary' },
    };
    expect(loaded(config).warnings).toEqual([
      "permissionSets.Spare: is not used by any role; remove it, or name it in a role's permissionSet",
    ]);
  });

  it('warns when the sandbox listens beyond this machine', () => {
    const config = baseConfig();
    config.server = { host: '0.0.0.0' };
    expect(loaded(config).warnings).toEqual([
      'server.host: sandbox login lets anyone sign in as any directory user, and 0.0.0.0 is reachable from other machines; use 127.0.0.1 unless that is what you want',
    ]);
  });

  it('warns when no roles are declared', () => {
    const config = baseConfig();
    config.roles = {};
    expect(loaded(config).warnings).toContain(
      'roles: no roles are declared, so nobody can request anything; add one (see examples/jit.config.yaml)',
    );
  });
});

function role(config: ReturnType<typeof baseConfig>) {
  return at(config, ...ROLE);
}
