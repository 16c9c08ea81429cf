// Organizations: the organization, accounts, roots, OUs, and service control policies with
// their documented limits: 5,120 characters of content (counted here in UTF-8 bytes as
// stored, the stricter reading, so a client that fits here fits in AWS) and at most five
// SCPs per target. The last SCP of a target cannot be detached, as in AWS.

import { Buffer } from 'node:buffer';
import { AwsError } from './aws-error.js';
import {
  accountArn,
  type AccountRecord,
  type OrganizationState,
  type PolicyRecord,
} from './emulator-state.js';
import { randomBytes } from 'node:crypto';
import type { JsonInput, JsonObject } from './json-input.js';
import { compact, epochSeconds, type HandlerTable } from './operation-handler.js';
import { paginate } from './paginate.js';

const scp = 'SERVICE_CONTROL_POLICY';
const maxContent = 5120;
const maxPerTarget = 5;

function invalid(message: string): AwsError {
  return new AwsError('InvalidInputException', message, { Reason: 'INVALID_INPUT' });
}

function constraint(message: string, reason: string): AwsError {
  return new AwsError('ConstraintViolationException', message, { Reason: reason });
}

function orgArn(org: OrganizationState): string {
  return `arn:aws:organizations::${org.managementAccountId}:organization/${org.id}`;
}

function accountShape(org: OrganizationState, a: AccountRecord): JsonObject {
  return {
    Id: a.id,
    Arn: accountArn(org, a.id),
    Email: a.email,
    Name: a.name,
    Status: 'ACTIVE',
    JoinedMethod: a.id === org.managementAccountId ? 'INVITED' : 'CREATED',
    JoinedTimestamp: epochSeconds(a.joinedAt),
  };
}

function policySummary(org: OrganizationState, p: PolicyRecord): JsonObject {
  return {
    Id: p.id,
    Arn: p.awsManaged
      ? `arn:aws:organizations::aws:policy/service_control_policy/${p.id}`
      : `arn:aws:organizations::${org.managementAccountId}:policy/${org.id}/service_control_policy/${p.id}`,
    Name: p.name,
    Description: p.description,
    Type: scp,
    AwsManaged: p.awsManaged,
  };
}

function requirePolicy(org: OrganizationState, input: JsonInput): PolicyRecord {
  const id = input.string('PolicyId');
  if (!/^p-[0-9a-zA-Z_]{8,128}$/.test(id)) throw invalid(`PolicyId is not valid: ${id}`);
  const policy = org.policies.get(id);
  if (policy === undefined)
    throw new AwsError('PolicyNotFoundException', `Policy ${id} does not exist`);
  return policy;
}

function requireTarget(org: OrganizationState, input: JsonInput, member: string): string {
  const id = input.string(member);
  if (id === org.rootId || org.accounts.has(id) || org.organizationalUnits.has(id)) return id;
  if (!/^(r-[0-9a-z]{4,32}|\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(id))
    throw invalid(`${member} is not valid: ${id}`);
  throw new AwsError('TargetNotFoundException', `Target ${id} does not exist`);
}

function requireParent(org: OrganizationState, input: JsonInput): string {
  const id = input.string('ParentId');
  if (id === org.rootId || org.organizationalUnits.has(id)) return id;
  if (!/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(id))
    throw invalid(`ParentId is not valid: ${id}`);
  throw new AwsError('ParentNotFoundException', `Parent ${id} does not exist`);
}

function requireScpFilter(input: JsonInput): void {
  const filter = input.string('Filter');
  if (filter !== scp) {
    throw new AwsError(
      'PolicyTypeNotEnabledException',
      `Only ${scp} is enabled in this organization, not ${filter}`,
    );
  }
}

function checkContent(content: string): string {
  if (Buffer.byteLength(content, 'utf8') > maxContent) {
    throw constraint(
      `The policy content exceeds ${maxContent} characters`,
      'POLICY_CONTENT_LIMIT_EXCEEDED',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new AwsError('MalformedPolicyDocumentException', 'The policy content is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed)) {
    throw new AwsError('MalformedPolicyDocumentException', 'The policy content needs a Statement');
  }
  return content;
}

function checkName(name: string, org: OrganizationState, except?: string): string {
  if (name.length > 128) throw invalid('Name is longer than 128 characters');
  if ([...org.policies.values()].some((p) => p.name === name && p.id !== except)) {
    throw new AwsError('DuplicatePolicyException', `A policy named ${name} exists`);
  }
  return name;
}

export const organizationsHandlers: HandlerTable = {
  DescribeOrganization: (_input, { state }) => {
    const org = state.organization;
    const management = org.accounts.get(org.managementAccountId);
    return {
      Organization: compact({
        Id: org.id,
        Arn: orgArn(org),
        FeatureSet: 'ALL',
        MasterAccountArn: accountArn(org, org.managementAccountId),
        MasterAccountId: org.managementAccountId,
        MasterAccountEmail: management?.email,
        AvailablePolicyTypes: [{ Type: scp, Status: 'ENABLED' }],
      }),
    };
  },

  DescribeAccount: (input, { state }) => {
    const org = state.organization;
    const id = input.string('AccountId');
    const account = org.accounts.get(id);
    if (account === undefined)
      throw new AwsError('AccountNotFoundException', `Account ${id} is not in the organization`);
    return { Account: accountShape(org, account) };
  },

  ListAccounts: (input, { state }) => {
    const org = state.organization;
    const page = paginate([...org.accounts.values()], input, 'ListAccounts', 20);
    return compact({
      Accounts: page.items.map((a) => accountShape(org, a)),
      NextToken: page.nextToken,
    });
  },

  ListAccountsForParent: (input, { state }) => {
    const org = state.organization;
    const parent = requireParent(org, input);
    const accounts = [...org.accounts.values()].filter((a) => a.parentId === parent);
    const page = paginate(accounts, input, `accounts:${parent}`, 20);
    return compact({
      Accounts: page.items.map((a) => accountShape(org, a)),
      NextToken: page.nextToken,
    });
  },

  ListRoots: (input, { state }) => {
    const org = state.organization;
    const page = paginate([org.rootId], input, 'ListRoots', 20);
    return compact({
      Roots: page.items.map((id) => ({
        Id: id,
        Arn: `arn:aws:organizations::${org.managementAccountId}:root/${org.id}/${id}`,
        Name: 'Root',
        PolicyTypes: [{ Type: scp, Status: 'ENABLED' }],
      })),
      NextToken: page.nextToken,
    });
  },

  ListOrganizationalUnitsForParent: (input, { state }) => {
    const org = state.organization;
    const parent = requireParent(org, input);
    const ous = [...org.organizationalUnits.values()].filter((ou) => ou.parentId === parent);
    const page = paginate(ous, input, `ous:${parent}`, 20);
    return compact({
      OrganizationalUnits: page.items.map((ou) => ({
        Id: ou.id,
        Arn: `arn:aws:organizations::${org.managementAccountId}:ou/${org.id}/${ou.id}`,
        Name: ou.name,
      })),
      NextToken: page.nextToken,
    });
  },

  ListParents: (input, { state }) => {
    const org = state.organization;
    const child = input.string('ChildId');
    const parentId =
      org.accounts.get(child)?.parentId ?? org.organizationalUnits.get(child)?.parentId;
    if (parentId === undefined)
      throw new AwsError('ChildNotFoundException', `Child ${child} does not exist`);
    const page = paginate([parentId], input, `parents:${child}`, 20);
    return compact({
      Parents: page.items.map((id) => ({
        Id: id,
        Type: id === org.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT',
      })),
      NextToken: page.nextToken,
    });
  },

  CreatePolicy: (input, { state }) => {
    const org = state.organization;
    const type = input.string('Type');
    if (type !== scp)
      throw new AwsError('PolicyTypeNotEnabledException', `Policy type ${type} is not enabled`);
    const description = input.optString('Description') ?? '';
    if (description.length > 512) throw invalid('Description is longer than 512 characters');
    const policy: PolicyRecord = {
      id: `p-${randomBytes(4).toString('hex')}`,
      name: checkName(input.string('Name'), org),
      description,
      content: checkContent(input.string('Content')),
      awsManaged: false,
    };
    if (org.policies.size >= 1000)
      throw constraint('At most 1,000 policies', 'POLICY_NUMBER_LIMIT_EXCEEDED');
    org.policies.set(policy.id, policy);
    return { Policy: { PolicySummary: policySummary(org, policy), Content: policy.content } };
  },

  UpdatePolicy: (input, { state }) => {
    const org = state.organization;
    const policy = requirePolicy(org, input);
    if (policy.awsManaged)
      throw new AwsError('AccessDeniedException', 'AWS managed policies cannot be changed');
    const name = input.optString('Name');
    const content = input.optString('Content');
    const description = input.optString('Description');
    if (name !== undefined) policy.name = checkName(name, org, policy.id);
    if (content !== undefined) policy.content = checkContent(content);
    if (description !== undefined) policy.description = description;
    return { Policy: { PolicySummary: policySummary(org, policy), Content: policy.content } };
  },

  DescribePolicy: (input, { state }) => {
    const org = state.organization;
    const policy = requirePolicy(org, input);
    return { Policy: { PolicySummary: policySummary(org, policy), Content: policy.content } };
  },

  DeletePolicy: (input, { state }) => {
    const org = state.organization;
    const policy = requirePolicy(org, input);
    if (policy.awsManaged)
      throw new AwsError('AccessDeniedException', 'AWS managed policies cannot be deleted');
    if ([...org.attachments.values()].some((ids) => ids.includes(policy.id))) {
      throw new AwsError(
        'PolicyInUseException',
        `Policy ${policy.id} is attached; detach it first`,
      );
    }
    org.policies.delete(policy.id);
    return {};
  },

  ListPolicies: (input, { state }) => {
    const org = state.organization;
    requireScpFilter(input);
    const page = paginate([...org.policies.values()], input, 'ListPolicies', 20);
    return compact({
      Policies: page.items.map((p) => policySummary(org, p)),
      NextToken: page.nextToken,
    });
  },

  ListPoliciesForTarget: (input, { state }) => {
    const org = state.organization;
    const target = requireTarget(org, input, 'TargetId');
    requireScpFilter(input);
    const policies = (org.attachments.get(target) ?? []).flatMap(
      (id) => org.policies.get(id) ?? [],
    );
    const page = paginate(policies, input, `target:${target}`, 20);
    return compact({
      Policies: page.items.map((p) => policySummary(org, p)),
      NextToken: page.nextToken,
    });
  },

  ListTargetsForPolicy: (input, { state }) => {
    const org = state.organization;
    const policy = requirePolicy(org, input);
    const targets = [...org.attachments]
      .filter(([, ids]) => ids.includes(policy.id))
      .map(([id]) => id);
    const page = paginate(targets, input, `targets:${policy.id}`, 20);
    return compact({
      Targets: page.items.map((id) => {
        const type =
          id === org.rootId ? 'ROOT' : org.accounts.has(id) ? 'ACCOUNT' : 'ORGANIZATIONAL_UNIT';
        const name = org.accounts.get(id)?.name ?? org.organizationalUnits.get(id)?.name ?? 'Root';
        return {
          TargetId: id,
          Arn: `arn:aws:organizations::${org.managementAccountId}:${type.toLowerCase()}/${org.id}/${id}`,
          Name: name,
          Type: type,
        };
      }),
      NextToken: page.nextToken,
    });
  },

  AttachPolicy: (input, { state }) => {
    const org = state.organization;
    const policy = requirePolicy(org, input);
    const target = requireTarget(org, input, 'TargetId');
    const attached = org.attachments.get(target) ?? [];
    if (attached.includes(policy.id)) {
      throw new AwsError(
        'DuplicatePolicyAttachmentException',
        `Policy ${policy.id} is already attached to ${target}`,
      );
    }
    if (attached.length >= maxPerTarget) {
      throw constraint(
        `At most ${maxPerTarget} SCPs per target`,
        'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
      );
    }
    org.attachments.set(target, [...attached, policy.id]);
    return {};
  },

  DetachPolicy: (input, { state }) => {
    const org = state.organization;
    const policy = requirePolicy(org, input);
    const target = requireTarget(org, input, 'TargetId');
    const attached = org.attachments.get(target) ?? [];
    if (!attached.includes(policy.id)) {
      throw new AwsError(
        'PolicyNotAttachedException',
        `Policy ${policy.id} is not attached to ${target}`,
      );
    }
    if (attached.length === 1) {
      throw constraint(
        'A target must keep at least one SCP',
        'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
      );
    }
    org.attachments.set(
      target,
      attached.filter((id) => id !== policy.id),
    );
    return {};
  },
};
