// Builders for config tests (not part of the product surface): a small valid config as a
// plain object, to change one key at a time and feed to parseConfig as YAML.
import { stringify } from 'yaml';
import type { JitConfig, LoadConfigResult } from '../../src/config/config.js';
import { parseConfig } from '../../src/config/parse-config.js';

/** Any YAML-able value; tests reach into it freely. */
export type Yamlish = Record<string, unknown>;

/** A valid sandbox config with one permission set, two roles and a small directory. */
export function baseConfig(): Yamlish {
  return {
    mode: 'sandbox',
    admins: ['carol'],
    permissionSets: {
      EC2Admin: {
        description: 'EC2 administration',
        sessionDuration: 'PT1H',
        managedPolicies: ['arn:aws:iam::aws:policy/AmazonEC2FullAccess'],
        permissionsBoundary: { customerManagedPolicy: { name: 'JitPermissionsBoundary' } },
      },
    },
    roles: {
      'ec2-admin': {
        permissionSet: 'EC2Admin',
        accounts: ['111111111111', '222222222222'],
        activation: {
          maxDuration: 'PT8H',
          approval: { required: true, approvers: ['bob', 'approvers'] },
        },
        eligibility: { members: ['alice', 'developers'] },
      },
      'read-only': {
        permissionSet: 'EC2Admin',
        accounts: ['111111111111'],
        eligibility: { members: ['developers'] },
      },
    },
    directory: {
      users: {
        alice: { email: 'alice@example.com', mfa: true },
        bob: { email: 'bob@example.com', mfa: true },
        carol: { email: 'Carol@Example.com', displayName: 'Carol Example', mfa: true },
        dave: { email: 'dave@example.com' },
      },
      groups: {
        developers: { members: ['alice', 'dave'] },
        approvers: { members: ['bob', 'carol@example.com'] },
      },
    },
  };
}

/** The auth section a live config needs, as YAML lines (live mode requires OIDC). */
export const LIVE_AUTH_YAML: readonly string[] = [
  'auth:',
  '  oidc:',
  '    issuer: https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
  '    clientId: 00000000-aaaa-bbbb-cccc-000000000001',
  '    clientSecretEnv: JIT_OIDC_CLIENT_SECRET',
  '    redirectUri: https://jit.example.com/auth/callback',
];

/** The same auth section as a value, for configs built as objects. */
export function liveAuth(): Yamlish {
  return {
    oidc: {
      issuer: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
      clientId: '00000000-aaaa-bbbb-cccc-000000000001',
      clientSecretEnv: 'JIT_OIDC_CLIENT_SECRET',
      redirectUri: 'https://jit.example.com/auth/callback',
    },
  };
}

/** Writes `config` as YAML and parses it. */
export function parseObject(config: Yamlish): LoadConfigResult {
  return parseConfig(stringify(config), 'jit.config.yaml');
}

/** The errors of a config that must fail (the test fails if it loads). */
export function errorsOf(config: Yamlish | string): string[] {
  const result =
    typeof config === 'string' ? parseConfig(config, 'jit.config.yaml') : parseObject(config);
  if (result.ok) throw new Error('expected the config to be refused, but it loaded');
  return result.errors;
}

/** The config and warnings of a config that must load (the test fails with its errors). */
export function loaded(config: Yamlish | string): { config: JitConfig; warnings: string[] } {
  const result =
    typeof config === 'string' ? parseConfig(config, 'jit.config.yaml') : parseObject(config);
  if (!result.ok) throw new Error(`expected the config to load, got:\n${result.errors.join('\n')}`);
  return { config: result.config, warnings: result.warnings };
}

/** Reaches into a nested plain object by keys, for tests that change one value. */
export function at(config: Yamlish, ...keys: string[]): Yamlish {
  let node: unknown = config;
  for (const key of keys) node = (node as Yamlish)[key];
  return node as Yamlish;
}
