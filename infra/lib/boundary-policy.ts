// The permissions boundary of every JIT permission set: everything the permission set's own
// policies allow, minus the seed's deny list, so that even AdministratorAccess granted just
// in time cannot create IAM users, keys or identity providers, lift its own boundary, touch
// Organizations, close the account, or blind its monitoring. It does not stop every way to
// persist (a new role trusting an outside account is still possible): review CloudTrail's
// IamPolicyChanges alarm, or add Denies for your organisation.
// A boundary with only Deny statements would allow nothing: the first statement allows all,
// and the permission set's policies do the granting.

export interface PolicyDocumentJson {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow' | 'Deny';
    readonly Action: string | readonly string[];
    readonly Resource: string | readonly string[];
    readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
  }[];
}

/** The default boundary; `policyArnPattern` is the boundary's own ARN (any account). */
export function defaultBoundaryDocument(policyArnPattern: string): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AllowWhatThePermissionSetAllows', Effect: 'Allow', Action: '*', Resource: '*' },
      {
        Sid: 'DenyIamPersistence',
        Effect: 'Deny',
        Action: [
          'iam:CreateUser',
          'iam:CreateAccessKey',
          'iam:CreateLoginProfile',
          'iam:UpdateLoginProfile',
          'iam:CreateServiceSpecificCredential',
          'iam:UploadSSHPublicKey',
          'iam:CreateOpenIDConnectProvider',
          'iam:CreateSAMLProvider',
          'iam:UpdateSAMLProvider',
        ],
        Resource: '*',
      },
      {
        Sid: 'DenyBoundaryTampering',
        Effect: 'Deny',
        Action: [
          'iam:CreatePolicyVersion',
          'iam:DeletePolicy',
          'iam:DeletePolicyVersion',
          'iam:SetDefaultPolicyVersion',
        ],
        Resource: policyArnPattern,
      },
      {
        Sid: 'DenyBoundaryRemoval',
        Effect: 'Deny',
        Action: ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'],
        Resource: '*',
      },
      {
        Sid: 'DenyIdentityCenterRoleChanges',
        Effect: 'Deny',
        Action: [
          'iam:AttachRolePolicy',
          'iam:DeleteRole',
          'iam:DeleteRolePolicy',
          'iam:DetachRolePolicy',
          'iam:PutRolePermissionsBoundary',
          'iam:PutRolePolicy',
          'iam:UpdateAssumeRolePolicy',
          'iam:UpdateRole',
        ],
        Resource: 'arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*',
      },
      {
        Sid: 'DenyOrganizations',
        Effect: 'Deny',
        Action: 'organizations:*',
        Resource: '*',
      },
      {
        Sid: 'DenyAccountClosureAndBilling',
        Effect: 'Deny',
        Action: [
          'account:CloseAccount',
          'account:PutAlternateContact',
          'account:DeleteAlternateContact',
          'account:PutContactInformation',
          'aws-portal:ModifyAccount',
          'aws-portal:ModifyBilling',
          'aws-portal:ModifyPaymentMethods',
          'billing:PutContractInformation',
          'billing:UpdateBillingPreferences',
          'payments:UpdatePaymentPreferences',
        ],
        Resource: '*',
      },
      {
        Sid: 'DenyBlindingMonitoring',
        Effect: 'Deny',
        Action: [
          'cloudtrail:DeleteTrail',
          'cloudtrail:StopLogging',
          'cloudtrail:UpdateTrail',
          'cloudtrail:PutEventSelectors',
          'guardduty:DeleteDetector',
          'guardduty:DisassociateFromAdministratorAccount',
          'guardduty:DisassociateFromMasterAccount',
          'guardduty:UpdateDetector',
          'guardduty:DeleteMembers',
          'guardduty:StopMonitoringMembers',
          'securityhub:DisableSecurityHub',
          'securityhub:DisassociateFromAdministratorAccount',
          'securityhub:DisassociateFromMasterAccount',
          'securityhub:DeleteMembers',
          'config:DeleteConfigurationRecorder',
          'config:DeleteDeliveryChannel',
          'config:StopConfigurationRecorder',
        ],
        Resource: '*',
      },
      {
        Sid: 'DenyKeyDeletion',
        Effect: 'Deny',
        Action: ['kms:ScheduleKeyDeletion', 'kms:DeleteImportedKeyMaterial'],
        Resource: '*',
      },
    ],
  };
}
