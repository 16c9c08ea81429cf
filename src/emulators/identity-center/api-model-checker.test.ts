// The model checker itself must catch what the conformance test relies on it to catch.

import { describe, expect, it } from 'vitest';
import { checkAgainstShape, loadApiModel } from '../../../test/harness/api-model-checker.js';
import { enumRuleFor } from '../../../test/harness/sdk-enum-rules.js';

const model = loadApiModel('sso-admin-2020-07-20.min.json');
const op = model.operations.DescribeAccountAssignmentCreationStatus!;

describe('checkAgainstShape', () => {
  it('reports unknown members, missing required members, wrong types and ISO timestamps', () => {
    expect(checkAgainstShape(model, op.input, { InstanceArn: 'x', Extra: 1 }).problems).toEqual([
      '(root): required member AccountAssignmentCreationRequestId is missing',
      '(root): unknown member Extra',
    ]);
    const response = {
      AccountAssignmentCreationStatus: { CreatedDate: '2025-01-01T00:00:00Z', Status: 3 },
    };
    expect(checkAgainstShape(model, op.output, response).problems).toEqual([
      'AccountAssignmentCreationStatus.CreatedDate: expected epoch seconds, got "2025-01-01T00:00:00Z"',
      'AccountAssignmentCreationStatus.Status: expected a string',
    ]);
  });

  it('collects string leaves that the SDK enums then check', () => {
    const { leaves } = checkAgainstShape(model, op.output, {
      AccountAssignmentCreationStatus: { Status: 'DONE' },
    });
    const rule = enumRuleFor(
      'sso-admin',
      'DescribeAccountAssignmentCreationStatus',
      leaves[0]!.path,
    );
    expect(rule?.name).toBe('StatusValues');
    expect(Object.values(rule!.values)).not.toContain('DONE');
  });
});
