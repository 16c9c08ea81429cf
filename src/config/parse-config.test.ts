import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../core/duration.js';
import { parseConfig } from './parse-config.js';
import {
  at,
  baseConfig,
  errorsOf,
  LIVE_AUTH_YAML,
  loaded,
} from '../../test/harness/config-builders.js';

const ROLE = ['roles', 'ec2-admin'] as const;

function role(config = baseConfig()) {
  return at(config, ...ROLE);
}

describe('parseConfig: YAML and file-level problems', () => {
  it('reports a YAML syntax error as file:line:col with a fix', () => {
    const errors = errorsOf('mode: sandbox\nroles:\n  a: [1, 2\n  b: x\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^jit\.config\.yaml:4:3: Flow sequence .*; check the indentation$/);
  });

  it('reports a duplicate key with its line', () => {
    expect(errorsOf('mode: sandbox\nmode: live\n')).toEqual([
      'jit.config.yaml:2:1: Map keys must be unique; remove one of the two',
    ]);
  });

  it('names the file it was given in syntax errors', () => {
    const result = parseConfig('roles:\n\tx: 1\n', 'conf/prod.yaml');
    expect(result.ok ? [] : result.errors).toEqual([
      'conf/prod.yaml:2:1: Tabs are not allowed as indentation; indent with spaces, not tabs',
    ]);
  });

  it('refuses an empty file and points at the example', () => {
    expect(errorsOf('')).toEqual(['jit.config.yaml is empty; start from examples/jit.config.yaml']);
    expect(errorsOf('# only a comment\n\n')).toEqual([
      'jit.config.yaml is empty; start from examples/jit.config.yaml',
    ]);
  });

  it('refuses a file whose top level is not a mapping', () => {
    expect(errorsOf('- mode\n- roles\n')).toEqual([
      'jit.config.yaml: expected a mapping of settings (mode, permissionSets, roles, ...), got a list; start from examples/jit.config.yaml',
    ]);
  });

  it('never returns a stack trace or zod JSON, only one line per problem', () => {
    const config = baseConfig();
    Object.assign(role(config), { accounts: 'all', enforcement: 7, bogus: true });
    const errors = errorsOf(config);
    for (const line of errors) {
      expect(line).not.toMatch(/\n|\bat .*\(|"code":|Invalid input/);
      expect(line).toMatch(/^[\w.[\]"-]+: .+/);
    }
  });
});

describe('parseConfig: schema errors', () => {
  it('names the nearest valid key for an unknown key', () => {
    const config = baseConfig();
    const activation = at(config, ...ROLE, 'activation');
    activation.maxDuraton = activation.maxDuration;
    delete activation.maxDuration;
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.maxDuraton: unknown key; did you mean "maxDuration"?',
    ]);
  });

  it('lists the valid keys when no key is close', () => {
    const config = baseConfig();
    config.colour = 'blue';
    expect(errorsOf(config)).toEqual([
      'colour: unknown key; valid keys here are mode, admins, permissionSets, roles, directory, entra, aws, store, audit, server, auth, check',
    ]);
  });

  it('reports a misspelt required key once, as unknown, not also as missing', () => {
    const config = baseConfig();
    config.mdoe = config.mode;
    delete config.mode;
    expect(errorsOf(config)).toEqual(['mdoe: unknown key; did you mean "mode"?']);
  });

  it('reports a wrong type with the value it got', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation', 'approval').quorum = 'abc';
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.approval.quorum: expected a number, got "abc"',
    ]);
  });

  it('says "true or false" for a boolean written as yes', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation').requireMfa = 'yes';
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.requireMfa: expected true or false, got "yes"',
    ]);
  });

  it('says how to fix a key left empty', () => {
    const config = baseConfig();
    config.admins = null;
    expect(errorsOf(config)).toEqual([
      'admins: expected a list, got an empty value; fill it in or remove the key',
    ]);
  });

  it('reports a missing required key with what to add', () => {
    const config = baseConfig();
    delete role(config).permissionSet;
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.permissionSet: missing; name one of the keys of permissionSets',
    ]);
  });

  it('reports a value outside an enumeration with the allowed values', () => {
    const config = baseConfig();
    role(config).enforcement = 'account-asignment';
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.enforcement: "account-asignment" is not allowed; did you mean "account-assignment"? (one of group-membership, account-assignment)',
    ]);
  });

  it('refuses a malformed ISO 8601 duration', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation').maxDuration = '8 hours';
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.maxDuration: "8 hours" is not an ISO 8601 duration; write it like PT30M, PT8H or P365D',
    ]);
  });

  it('refuses years and months, which have no fixed length', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'eligibility').maxEligibility = 'P1Y';
    expect(errorsOf(config)[0]).toMatch(
      /^roles\.ec2-admin\.eligibility\.maxEligibility: P1Y uses years or months.*P365D$/,
    );
  });

  it('refuses a duration written as a bare number', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation').maxDuration = 8;
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.maxDuration: expected an ISO 8601 duration such as PT1H, got 8; write it like PT30M, PT8H or P90D',
    ]);
  });

  it('refuses a maxDuration longer than 24 hours', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation').maxDuration = 'PT48H';
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.maxDuration: PT48H is longer than 24 hours; use PT24H or less',
    ]);
  });

  it('refuses a maxDuration shorter than 30 minutes', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation').maxDuration = 'PT10M';
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.maxDuration: PT10M is shorter than 30 minutes; use PT30M or more',
    ]);
  });

  it('refuses a sessionDuration outside PT1H..PT12H', () => {
    const config = baseConfig();
    at(config, 'permissionSets', 'EC2Admin').sessionDuration = 'PT13H';
    expect(errorsOf(config)).toEqual([
      'permissionSets.EC2Admin.sessionDuration: PT13H is longer than 12 hours; use PT12H or less',
    ]);
    at(config, 'permissionSets', 'EC2Admin').sessionDuration = 'PT30M';
    expect(errorsOf(config)).toEqual([
      'permissionSets.EC2Admin.sessionDuration: PT30M is shorter than 1 hour; use PT1H or more',
    ]);
  });

  it('refuses a defaultDuration shorter than 5 minutes', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation').defaultDuration = 'PT1M';
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.defaultDuration: PT1M is shorter than 5 minutes; use PT5M or more',
    ]);
  });

  it('refuses an account id that is not 12 digits', () => {
    const config = baseConfig();
    role(config).accounts = ['12345', 'abc'];
    expect(errorsOf(config)).toEqual([
      `roles.ec2-admin.accounts[0]: "12345" is not a 12-digit AWS account id; write all 12 digits, in quotes, e.g. '111111111111'`,
      `roles.ec2-admin.accounts[1]: "abc" is not a 12-digit AWS account id; write all 12 digits, in quotes, e.g. '111111111111'`,
    ]);
  });

  it('refuses an account id written as a YAML number and quotes the text as written', () => {
    const text = [
      'mode: live',
      'permissionSets: { P: { managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess] } }',
      'roles:',
      '  r:',
      '    permissionSet: P',
      '    accounts: [012345678901, 111111111111]',
      '    eligibility: { members: [devs] }',
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      "roles.r.accounts[0]: 012345678901 is a YAML number, which loses leading zeros; quote it: '012345678901'",
      "roles.r.accounts[1]: 111111111111 is a YAML number, which loses leading zeros; quote it: '111111111111'",
    ]);
  });

  it('refuses a permission set name longer than 32 characters', () => {
    const config = baseConfig();
    const name = 'A'.repeat(33);
    const sets = at(config, 'permissionSets');
    sets[name] = sets.EC2Admin;
    delete sets.EC2Admin;
    role(config).permissionSet = name;
    at(config, 'roles', 'read-only').permissionSet = name;
    expect(errorsOf(config)).toEqual([
      `permissionSets.${name}: permission set name "${name}" is 33 characters long; AWS allows at most 32, shorten it`,
    ]);
  });

  it('refuses a permission set name with characters AWS does not allow', () => {
    const config = baseConfig();
    const sets = at(config, 'permissionSets');
    sets['EC2 Admin!'] = sets.EC2Admin;
    expect(errorsOf(config)).toEqual([
      'permissionSets["EC2 Admin!"]: permission set name "EC2 Admin!" has characters AWS does not allow; use letters, digits and + = , . @ _ -',
    ]);
  });

  it('refuses an inline policy that is not JSON', () => {
    const config = baseConfig();
    at(config, 'permissionSets', 'EC2Admin').inlinePolicy = '{"Version": "2012-10-17",';
    const errors = errorsOf(config);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^permissionSets\.EC2Admin\.inlinePolicy: is not valid JSON \(.+\); write the policy as a JSON object/,
    );
  });

  it('refuses an inline policy over the AWS size limit', () => {
    const config = baseConfig();
    at(config, 'permissionSets', 'EC2Admin').inlinePolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: 'x'.repeat(11_000) }],
    });
    expect(errorsOf(config)).toEqual([
      "permissionSets.EC2Admin.inlinePolicy: is 11,086 characters (not counting whitespace), over AWS's limit of 10,240; move statements into a customer-managed policy",
    ]);
  });

  it('refuses a managed policy that is not an IAM policy ARN', () => {
    const config = baseConfig();
    at(config, 'permissionSets', 'EC2Admin').managedPolicies = ['AmazonEC2FullAccess'];
    expect(errorsOf(config)).toEqual([
      'permissionSets.EC2Admin.managedPolicies[0]: "AmazonEC2FullAccess" is not an IAM policy ARN; write it like arn:aws:iam::aws:policy/ReadOnlyAccess',
    ]);
  });

  it('refuses a permissions boundary that names two policies', () => {
    const config = baseConfig();
    at(config, 'permissionSets', 'EC2Admin').permissionsBoundary = {
      managedPolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess',
      customerManagedPolicy: { name: 'JitPermissionsBoundary' },
    };
    expect(errorsOf(config)[0]).toMatch(
      /^permissionSets\.EC2Admin\.permissionsBoundary: names two policies; .*keep either/,
    );
  });

  it('refuses a role name that is not lower-case kebab-case', () => {
    const config = baseConfig();
    at(config, 'roles').EC2_Admin = role(config);
    expect(errorsOf(config)).toEqual([
      'roles.EC2_Admin: role name "EC2_Admin" is not lower-case kebab-case; use letters a-z, digits and single hyphens, e.g. prod-db-admin',
    ]);
  });

  it('collects every problem in one pass, in file order', () => {
    const config = baseConfig();
    at(config, 'permissionSets', 'EC2Admin').sessionDuration = 'PT24H';
    at(config, ...ROLE, 'activation').maxDuration = 'PT25H';
    at(config, 'roles', 'read-only').accounts = ['1'];
    expect(errorsOf(config)).toEqual([
      'permissionSets.EC2Admin.sessionDuration: PT24H is longer than 12 hours; use PT12H or less',
      'roles.ec2-admin.activation.maxDuration: PT25H is longer than 24 hours; use PT24H or less',
      `roles.read-only.accounts[0]: "1" is not a 12-digit AWS account id; write all 12 digits, in quotes, e.g. '111111111111'`,
    ]);
  });
});

describe('parseConfig: checks across keys', () => {
  it('refuses a defaultDuration above maxDuration', () => {
    const config = baseConfig();
    Object.assign(at(config, ...ROLE, 'activation'), {
      maxDuration: 'PT2H',
      defaultDuration: 'PT3H',
    });
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.defaultDuration: PT3H is longer than maxDuration PT2H; use PT2H or less, or raise maxDuration',
    ]);
  });

  it('refuses an unknown permission set and names the nearest', () => {
    const config = baseConfig();
    role(config).permissionSet = 'EC2Admn';
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.permissionSet: unknown permission set "EC2Admn"; did you mean "EC2Admin"? Declare it under permissionSets or use one of: EC2Admin',
    ]);
  });

  it('refuses an unknown approver and names the nearest', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation', 'approval').approvers = ['approvers', 'bobb'];
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.approval.approvers[1]: unknown approver "bobb"; did you mean "bob"? Add it to directory.users or directory.groups',
    ]);
  });

  it('refuses an unknown eligible member and unknown admin', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'eligibility').members = ['zed'];
    config.admins = ['carl'];
    expect(errorsOf(config)).toEqual([
      'admins[0]: unknown admin "carl"; did you mean "carol"? Add it to directory.users or directory.groups',
      'roles.ec2-admin.eligibility.members[0]: unknown eligible member "zed"; add it to directory.users or directory.groups',
    ]);
  });

  it('refuses a quorum larger than the people who can approve, counting group members', () => {
    const config = baseConfig();
    // bob directly, and the approvers group (bob, carol): two distinct people.
    at(config, ...ROLE, 'activation', 'approval').quorum = 3;
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.approval.quorum: quorum 3 is more than the 2 people who can approve (bob, carol); lower quorum to 2 or add approvers',
    ]);
  });

  it('counts listed approvers for the quorum when there is no directory', () => {
    const text = [
      'mode: live',
      'permissionSets: { P: { managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess] } }',
      'roles:',
      '  r:',
      '    permissionSet: P',
      "    accounts: ['111111111111']",
      '    activation: { approval: { required: true, approvers: [bob@example.com, db-approvers], quorum: 3 } }',
      '    eligibility: { members: [devs] }',
      ...LIVE_AUTH_YAML,
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      'roles.r.activation.approval.quorum: quorum 3 is more than the 2 approvers listed; lower quorum to 2 or add approvers',
    ]);
  });

  it('refuses the same person listed twice, by handle and by e-mail', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation', 'approval').approvers = ['bob', 'BOB@example.com'];
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.approval.approvers[1]: "BOB@example.com" is already listed at approvers[0]; remove one',
    ]);
  });

  it('refuses required approval with no approvers', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation', 'approval').approvers = [];
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.approval.approvers: approval is required but nobody is listed; list the users or groups who may approve',
    ]);
  });

  it('refuses self-approval on a role that is not break-glass', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation', 'approval').allowSelfApproval = true;
    expect(errorsOf(config)).toEqual([
      'roles.ec2-admin.activation.approval.allowSelfApproval: self-approval is allowed only on break-glass roles, with a mandatory reason and a loud alert; set breakGlass: true on the role instead',
    ]);
  });

  it('refuses sandbox mode without a directory', () => {
    const config = baseConfig();
    delete config.directory;
    config.admins = [];
    for (const r of Object.values(at(config, 'roles'))) {
      (r as { eligibility: unknown }).eligibility = { members: ['devs@example.com'] };
      delete (r as { activation?: unknown }).activation;
    }
    expect(errorsOf(config)).toEqual([
      'directory: missing; sandbox mode signs people in from the directory, add directory.users and directory.groups (see examples/jit.config.yaml)',
    ]);
  });

  it('takes organisational units for a group-membership role, and refuses them elsewhere', () => {
    const ou = baseConfig();
    role(ou).accounts = [];
    role(ou).organizationalUnits = ['ou-ab12-cdefgh34'];
    expect(loaded(ou).config.roles.get('ec2-admin')?.organizationalUnits).toEqual([
      'ou-ab12-cdefgh34',
    ]);
    const none = baseConfig();
    role(none).accounts = [];
    expect(errorsOf(none)).toEqual([
      "roles.ec2-admin.accounts: is empty; list the role's 12-digit AWS account ids (or, for a group-membership role, its organizationalUnits)",
    ]);
    const bad = baseConfig();
    role(bad).organizationalUnits = ['workloads'];
    expect(errorsOf(bad)).toEqual([
      'roles.ec2-admin.organizationalUnits[0]: "workloads" is not an organisational unit id; use ou-xxxx-xxxxxxxx (or the root, r-xxxx), as Organizations shows it',
    ]);
    const assignment = baseConfig();
    role(assignment).enforcement = 'account-assignment';
    role(assignment).organizationalUnits = ['ou-ab12-cdefgh34'];
    expect(errorsOf(assignment)).toEqual([
      'roles.ec2-admin.organizationalUnits: is for group-membership roles only in this version (an account-assignment request picks among listed accounts); list the accounts instead',
    ]);
  });

  it('refuses an account listed twice in a role', () => {
    const config = baseConfig();
    role(config).accounts = ['111111111111', '222222222222', '111111111111'];
    expect(errorsOf(config)).toEqual([
      "roles.ec2-admin.accounts[2]: '111111111111' is listed twice (also accounts[0]); remove one",
    ]);
  });

  it('refuses two group-membership roles that share a group', () => {
    const config = baseConfig();
    role(config).group = 'JIT-Shared';
    at(config, 'roles', 'read-only').group = 'JIT-Shared';
    expect(errorsOf(config)).toEqual([
      'roles.read-only.group: group JIT-Shared is already the group of role ec2-admin; each group-membership role needs its own group, set group: to another name',
    ]);
  });

  it('refuses more than 10 attached policies, counting customer-managed ones', () => {
    const config = baseConfig();
    const set = at(config, 'permissionSets', 'EC2Admin');
    set.managedPolicies = Array.from({ length: 8 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`);
    set.customerManagedPolicies = [{ name: 'A' }, { name: 'B' }, { name: 'C', path: '/jit/' }];
    expect(errorsOf(config)).toEqual([
      "permissionSets.EC2Admin: attaches 11 policies (8 AWS-managed, 3 customer-managed), over IAM's limit of 10 per role; merge some into a customer-managed or the inline policy",
    ]);
  });

  it('refuses a directory group member that is not a user, or is a group', () => {
    const config = baseConfig();
    at(config, 'directory', 'groups').approvers = { members: ['bob', 'alcie', 'developers'] };
    expect(errorsOf(config)).toEqual([
      'directory.groups.approvers.members[1]: unknown user "alcie"; did you mean "alice"? Add it to directory.users',
      'directory.groups.approvers.members[2]: "developers" is a group; groups cannot contain groups (Identity Center does not sync nested groups), list its users instead',
    ]);
  });

  it('refuses two users with the same e-mail, whatever the case', () => {
    const config = baseConfig();
    at(config, 'directory', 'users', 'dave').email = 'ALICE@example.com';
    expect(errorsOf(config)).toEqual([
      'directory.users.dave.email: ALICE@example.com is also the e-mail of user alice; each user needs their own e-mail',
    ]);
  });

  it('refuses a group named like a user', () => {
    const config = baseConfig();
    at(config, 'directory', 'groups').bob = { members: [] };
    expect(errorsOf(config)).toEqual([
      'directory.groups.bob: "bob" is also the handle of user bob; users and groups are referred to by name, so rename one',
    ]);
  });
});

describe('parseConfig: the config it builds', () => {
  it('resolves handles and e-mails to lower-case principal ids, and groups by name', () => {
    const { config } = loaded(baseConfig());
    const ec2 = config.roles.get('ec2-admin')!;
    expect(ec2.activation.approval.approvers).toEqual({
      users: ['bob@example.com'],
      groups: ['approvers'],
    });
    expect(ec2.eligibility.members).toEqual({
      users: ['alice@example.com'],
      groups: ['developers'],
    });
    expect(config.admins).toEqual({ users: ['carol@example.com'], groups: [] });
    expect(config.directory!.groups).toEqual([
      { name: 'developers', members: ['alice@example.com', 'dave@example.com'] },
      { name: 'approvers', members: ['bob@example.com', 'carol@example.com'] },
    ]);
    expect(config.directory!.users.find((u) => u.name === 'carol')).toEqual({
      id: 'carol@example.com',
      name: 'carol',
      displayName: 'Carol Example',
      email: 'Carol@Example.com',
      mfa: true,
      groups: ['approvers'],
    });
  });

  it('applies the documented defaults', () => {
    const { config } = loaded(baseConfig());
    const readOnly = config.roles.get('read-only')!;
    expect(readOnly).toEqual({
      name: 'read-only',
      group: 'JIT-read-only',
      permissionSet: 'EC2Admin',
      accounts: ['111111111111'],
      enforcement: 'group-membership',
      source: 'native',
      drift: 'report',
      activation: {
        maxDuration: 8 * HOUR,
        defaultDuration: HOUR,
        requireJustification: true,
        requireTicket: false,
        requireMfa: true,
        maxStartDelay: 7 * DAY,
        approval: {
          required: false,
          approvers: { users: [], groups: [] },
          quorum: 1,
          allowSelfApproval: false,
        },
      },
      eligibility: { members: { users: [], groups: ['developers'] } },
      breakGlass: false,
    });
    expect(config.store).toEqual({ sqlitePath: '.jit/jit.db' });
    expect(config.audit).toEqual({
      checkpoints: { file: join('.jit', 'audit-checkpoints.jsonl'), interval: MINUTE },
    });
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8400,
      mfaMaxAge: HOUR,
      pendingRequestTtl: 24 * HOUR,
      maxOpenGrantsPerPerson: 20,
      trustProxy: false,
      metrics: { emf: { enabled: false, interval: MINUTE, namespace: 'JitAccess' } },
      controller: {
        sweepInterval: 5 * MINUTE,
        maxConcurrency: 8,
        failSafe: { enabled: false, margin: 2 * MINUTE, scheduleGroup: 'jit-access' },
      },
    });
    expect(config.permissionSets.get('EC2Admin')).toEqual({
      name: 'EC2Admin',
      description: 'EC2 administration',
      sessionDuration: HOUR,
      managedPolicies: ['arn:aws:iam::aws:policy/AmazonEC2FullAccess'],
      customerManagedPolicies: [],
      permissionsBoundary: { customerManagedPolicy: { name: 'JitPermissionsBoundary', path: '/' } },
      tags: {},
    });
  });

  it('defaults defaultDuration to maxDuration when that is under an hour', () => {
    const config = baseConfig();
    at(config, ...ROLE, 'activation').maxDuration = 'PT45M';
    at(config, 'permissionSets', 'EC2Admin').sessionDuration = 'PT1H';
    const role = loaded(config).config.roles.get('ec2-admin')!;
    expect(role.activation.defaultDuration).toBe(45 * MINUTE);
  });

  it('stores an inline policy given as a YAML mapping as minified JSON', () => {
    const config = baseConfig();
    at(config, 'permissionSets', 'EC2Admin').inlinePolicy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: ['iam:CreateUser'], Resource: '*' }],
    };
    expect(loaded(config).config.permissionSets.get('EC2Admin')!.inlinePolicy).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["iam:CreateUser"],"Resource":"*"}]}',
    );
  });

  it('lets a break-glass role say allowSelfApproval, and always outputs false', () => {
    const config = baseConfig();
    role(config).breakGlass = true;
    at(config, ...ROLE, 'activation', 'approval').allowSelfApproval = true;
    const built = loaded(config).config.roles.get('ec2-admin')!;
    expect(built.breakGlass).toBe(true);
    expect(built.activation.approval.allowSelfApproval).toBe(false);
  });

  it('in live mode without a directory, treats entries with @ as users and others as groups', () => {
    const text = [
      'mode: live',
      'admins: [Security-Admins, Carol@Example.com]',
      'permissionSets:',
      '  P:',
      '    managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]',
      '    permissionsBoundary: { managedPolicyArn: "arn:aws:iam::123456789012:policy/JitBoundary" }',
      'roles:',
      '  r:',
      '    permissionSet: P',
      "    accounts: ['012345678901']",
      '    activation: { approval: { required: true, approvers: [Bob@Example.com] } }',
      '    eligibility: { members: [devs, Alice@Example.com] }',
      ...LIVE_AUTH_YAML,
    ].join('\n');
    const { config, warnings } = loaded(text);
    expect(warnings).toEqual([]);
    expect(config.directory).toBeUndefined();
    expect(config.admins).toEqual({ users: ['carol@example.com'], groups: ['Security-Admins'] });
    const r = config.roles.get('r')!;
    expect(r.accounts).toEqual(['012345678901']);
    expect(r.eligibility.members).toEqual({ users: ['alice@example.com'], groups: ['devs'] });
    expect(r.activation.approval.approvers).toEqual({ users: ['bob@example.com'], groups: [] });
  });

  it('in live mode, refuses the fail-safe expiry without the role the scheduler assumes', () => {
    const text = [
      'mode: live',
      'permissionSets: { P: { managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess], permissionsBoundary: { customerManagedPolicy: { name: B } } } }',
      "roles: { a: { permissionSet: P, accounts: ['111111111111'], eligibility: { members: [devs] } } }",
      'server: { controller: { failSafe: { enabled: true } } }',
      ...LIVE_AUTH_YAML,
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      expect.stringMatching(
        /^server\.controller\.failSafe\.roleArn: is missing: in mode: live the fail-safe needs the role/,
      ),
    ]);
  });

  it('accepts YAML merge keys to share settings between roles', () => {
    const text = [
      'mode: live',
      'permissionSets: { P: { managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess], permissionsBoundary: { customerManagedPolicy: { name: B } } } }',
      'roles:',
      '  a: &base',
      '    permissionSet: P',
      "    accounts: ['111111111111']",
      '    activation: { maxDuration: PT2H }',
      '    eligibility: { members: [devs] }',
      '  b:',
      '    <<: *base',
      '    group: JIT-b',
      ...LIVE_AUTH_YAML,
    ].join('\n');
    const { config } = loaded(text);
    expect(config.roles.get('b')!.activation.maxDuration).toBe(2 * HOUR);
  });
});

describe('parseConfig refuses secrets written into the file', () => {
  it('names the field and the environment (or _FILE) alternative, and never echoes the value', () => {
    const config = baseConfig();
    config.auth = {
      oidc: { issuer: 'https://login.example.com', clientId: 'c', clientSecret: 'hunter2' },
    };
    const errors = errorsOf(config);
    expect(errors).toEqual([
      'auth.oidc.clientSecret: looks like a secret written into the config file, which is refused: name an environment variable that holds it with auth.oidc.clientSecretEnv (the variable, or VARIABLE_FILE naming a file that holds it)',
    ]);
    expect(errors.join('\n')).not.toContain('hunter2');
  });

  it('refuses a database URL with a password, and a private key or token inline', () => {
    const url = baseConfig();
    url.store = { sqlite: 'postgres://jit:hunter2@db.example.com/jit' };
    expect(errorsOf(url)[0]).toMatch(
      /^store\.sqlite: is a URL with a password in it; .*DATABASE_URL \(or DATABASE_URL_FILE/,
    );
    expect(errorsOf(url).join('\n')).not.toContain('hunter2');
    const key = baseConfig();
    key.entra = { tenantId: 't', clientId: 'c', privateKey: '-----BEGIN PRIVATE KEY-----' };
    expect(errorsOf(key)[0]).toMatch(/^entra\.privateKey: looks like a secret .*privateKeyFile/);
    const token = baseConfig();
    token.scimToken = 'abc';
    expect(errorsOf(token)[0]).toMatch(/^scimToken: looks like a secret .*environment variable/);
  });
});
