// Organizations through the real SDK client: the organization tree and SCPs with their
// size and attachment limits.

import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emulatorTestClients,
  type EmulatorTestClients,
} from '../../../test/harness/identity-center-clients.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

let running: RunningIdentityCenterEmulator;
let clients: EmulatorTestClients;
const deny = (sid: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Deny', Action: '*', Resource: '*' }],
  });

beforeAll(async () => {
  running = await startIdentityCenterEmulator({
    seed: {
      managementAccount: { id: '100000000000', name: 'mgmt' },
      organizationalUnits: [{ name: 'prod' }, { name: 'prod-eu', parent: 'prod' }],
      accounts: [{ id: '200000000000', name: 'eu-app', parent: 'prod-eu' }],
    },
  });
  clients = emulatorTestClients(running.url);
});

afterAll(async () => {
  clients.destroy();
  await running.close();
});

describe('organizations', () => {
  it('describes the organization and walks roots, OUs and accounts', async () => {
    const org = await clients.organizations.send(new DescribeOrganizationCommand({}));
    expect(org.Organization).toMatchObject({ MasterAccountId: '100000000000', FeatureSet: 'ALL' });
    const accounts = await clients.organizations.send(new ListAccountsCommand({}));
    expect(accounts.Accounts?.map((a) => a.Id)).toEqual(['100000000000', '200000000000']);
    expect(accounts.Accounts?.[0]?.JoinedTimestamp).toBeInstanceOf(Date);
    const roots = await clients.organizations.send(new ListRootsCommand({}));
    const rootId = roots.Roots![0]!.Id!;
    const ous = await clients.organizations.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: rootId }),
    );
    expect(ous.OrganizationalUnits?.map((o) => o.Name)).toEqual(['prod']);
    const nested = await clients.organizations.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: ous.OrganizationalUnits![0]!.Id }),
    );
    const euId = nested.OrganizationalUnits![0]!.Id!;
    expect(
      (
        await clients.organizations.send(new ListAccountsForParentCommand({ ParentId: euId }))
      ).Accounts?.map((a) => a.Id),
    ).toEqual(['200000000000']);
    expect(
      (await clients.organizations.send(new ListParentsCommand({ ChildId: '200000000000' })))
        .Parents,
    ).toEqual([{ Id: euId, Type: 'ORGANIZATIONAL_UNIT' }]);
    expect(
      (await clients.organizations.send(new DescribeAccountCommand({ AccountId: '200000000000' })))
        .Account?.Name,
    ).toBe('eu-app');
  });

  it('creates, updates, describes, attaches, detaches and deletes an SCP', async () => {
    const created = await clients.organizations.send(
      new CreatePolicyCommand({
        Name: 'jit-revocations',
        Description: 'jit',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: deny('a'),
      }),
    );
    const PolicyId = created.Policy!.PolicySummary!.Id!;
    await clients.organizations.send(new UpdatePolicyCommand({ PolicyId, Content: deny('b') }));
    expect(
      (await clients.organizations.send(new DescribePolicyCommand({ PolicyId }))).Policy?.Content,
    ).toBe(deny('b'));
    await clients.organizations.send(
      new AttachPolicyCommand({ PolicyId, TargetId: '200000000000' }),
    );
    const forTarget = await clients.organizations.send(
      new ListPoliciesForTargetCommand({
        TargetId: '200000000000',
        Filter: 'SERVICE_CONTROL_POLICY',
      }),
    );
    expect(forTarget.Policies?.map((p) => p.Name)).toEqual(['FullAWSAccess', 'jit-revocations']);
    expect(
      (
        await clients.organizations.send(new ListTargetsForPolicyCommand({ PolicyId }))
      ).Targets?.map((t) => t.TargetId),
    ).toEqual(['200000000000']);
    const inUse = await clients.organizations
      .send(new DeletePolicyCommand({ PolicyId }))
      .catch((e: unknown) => e);
    expect(inUse).toMatchObject({ name: 'PolicyInUseException' });
    await clients.organizations.send(
      new DetachPolicyCommand({ PolicyId, TargetId: '200000000000' }),
    );
    await clients.organizations.send(new DeletePolicyCommand({ PolicyId }));
    const listed = await clients.organizations.send(
      new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    expect(listed.Policies?.map((p) => p.Name)).toEqual(['FullAWSAccess']);
  });

  it('accepts exactly 5,120 bytes of content and refuses one more', async () => {
    const base = deny('');
    const fits = base.replace('"Sid":""', `"Sid":"${'x'.repeat(5120 - base.length)}"`);
    expect(fits.length).toBe(5120);
    await clients.organizations.send(
      new CreatePolicyCommand({
        Name: 'full',
        Description: '',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: fits,
      }),
    );
    const over = fits.replace('"Sid":"x', '"Sid":"xx');
    const error = await clients.organizations
      .send(
        new CreatePolicyCommand({
          Name: 'over',
          Description: '',
          Type: 'SERVICE_CONTROL_POLICY',
          Content: over,
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'POLICY_CONTENT_LIMIT_EXCEEDED',
    });
  });

  it('attaches at most five SCPs to a target and keeps the last one', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const out = await clients.organizations.send(
        new CreatePolicyCommand({
          Name: `p${i}`,
          Description: '',
          Type: 'SERVICE_CONTROL_POLICY',
          Content: deny(`s${i}`),
        }),
      );
      ids.push(out.Policy!.PolicySummary!.Id!);
    }
    for (const PolicyId of ids.slice(0, 4))
      await clients.organizations.send(
        new AttachPolicyCommand({ PolicyId, TargetId: '100000000000' }),
      );
    const sixth = await clients.organizations
      .send(new AttachPolicyCommand({ PolicyId: ids[4], TargetId: '100000000000' }))
      .catch((e: unknown) => e);
    expect(sixth).toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
    });
    const twice = await clients.organizations
      .send(new AttachPolicyCommand({ PolicyId: ids[0], TargetId: '100000000000' }))
      .catch((e: unknown) => e);
    expect(twice).toMatchObject({ name: 'DuplicatePolicyAttachmentException' });
    const rootId = (await clients.organizations.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const last = await clients.organizations
      .send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: rootId }))
      .catch((e: unknown) => e);
    expect(last).toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
    });
  });

  it('refuses malformed content and unknown targets', async () => {
    const bad = await clients.organizations
      .send(
        new CreatePolicyCommand({
          Name: 'bad',
          Description: '',
          Type: 'SERVICE_CONTROL_POLICY',
          Content: '{not json',
        }),
      )
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ name: 'MalformedPolicyDocumentException' });
    const target = await clients.organizations
      .send(new AttachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: '999999999999' }))
      .catch((e: unknown) => e);
    expect(target).toMatchObject({
      name: 'TargetNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
  });
});
