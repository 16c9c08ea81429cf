// Acceptance (security review H1): the promise "sessions issued during a grant are denied
// after it ends" survives a crash at every point of the removal path. The Identity Center
// emulator runs as its own process, as AWS would outlive the controller; the server is the
// built `jit serve`, killed with SIGKILL at a named point, then started again.
import {
  GetUserIdCommand,
  IsMemberInGroupsCommand,
  GetGroupIdCommand,
} from '@aws-sdk/client-identitystore';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdentityCenterClients } from '../../src/adapters/aws/create-identity-center-clients.js';
import { REMOVAL_PATH, type FaultPoint } from '../../src/ports/fault-points.js';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/identity-center-sandbox.js';
import { EmulatorProcess, JitServer, Workspace, runJit } from '../support/jit-process.js';

const ACCOUNT = '111111111111';

function configYaml(dir: string): string {
  return `mode: sandbox
permissionSets:
  Admin: { sessionDuration: PT2H, managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess] }
roles:
  admin:
    group: JIT-admin
    permissionSet: Admin
    accounts: ['${ACCOUNT}']
    activation: { maxDuration: PT4H, defaultDuration: PT1H, approval: { required: false } }
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com, displayName: Alice, mfa: true }
store:
  sqlite: ${JSON.stringify(`${dir}/jit.db`)}
server:
  controller: { sweepInterval: PT1M }
`;
}

let ws: Workspace | undefined;
let emulator: EmulatorProcess | undefined;
let servers: JitServer[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  servers = [];
  await emulator?.stop();
  emulator = undefined;
  await ws?.dispose();
  ws = undefined;
});

async function start(options: Parameters<typeof JitServer.start>[1]): Promise<JitServer> {
  if (!ws || !emulator) throw new Error('no workspace');
  const server = await JitServer.start(ws, {
    identityCenterEndpoint: emulator.url,
    ...options,
  });
  servers.push(server);
  return server;
}

interface AuditLine {
  action: string;
  grantId?: string;
  reason?: string;
}

async function audit(grantId: string): Promise<AuditLine[]> {
  if (!ws) throw new Error('no workspace');
  const exported = await runJit(['audit', 'export', '--config', ws.configPath], {}, ws.dir);
  expect(exported.code).toBe(0);
  return exported.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditLine)
    .filter((e) => e.grantId === grantId);
}

/** The emulator's view: alice's identity-store id, her membership, and her sessions. */
function aws(endpoint: string) {
  const { identityStore } = createIdentityCenterClients({
    region: 'us-east-1',
    endpoint,
    credentials: SANDBOX_CREDENTIALS,
  });
  const emulatorPost = async (path: string, body: unknown): Promise<Response> =>
    fetch(new URL(path, endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const storeId = async (): Promise<string> => {
    const state = (await (await fetch(new URL('/_emulator/info', endpoint))).json()) as {
      identityStoreId?: string;
    };
    return state.identityStoreId ?? '';
  };
  return {
    async aliceId(): Promise<string> {
      const found = await identityStore.send(
        new GetUserIdCommand({
          IdentityStoreId: await storeId(),
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'alice@example.com' },
          },
        }),
      );
      return found.UserId ?? '';
    },
    async isMember(userId: string): Promise<boolean> {
      const id = await storeId();
      const group = await identityStore.send(
        new GetGroupIdCommand({
          IdentityStoreId: id,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: 'displayName', AttributeValue: 'JIT-admin' },
          },
        }),
      );
      const result = await identityStore.send(
        new IsMemberInGroupsCommand({
          IdentityStoreId: id,
          MemberId: { UserId: userId },
          GroupIds: [group.GroupId ?? ''],
        }),
      );
      return result.Results?.[0]?.MembershipExists === true;
    },
    async session(userId: string, at: Date): Promise<string> {
      const response = await emulatorPost('/_emulator/sessions', {
        userId,
        accountId: ACCOUNT,
        permissionSet: 'Admin',
        at: at.toISOString(),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { sessionId: string }).sessionId;
    },
    async allowed(sessionId: string, at: Date): Promise<boolean> {
      const response = await emulatorPost(`/_emulator/sessions/${sessionId}/evaluate`, {
        at: at.toISOString(),
      });
      return ((await response.json()) as { allowed: boolean }).allowed;
    },
    close(): void {
      identityStore.destroy();
    },
  };
}

describe('session revocation survives a crash anywhere on the removal path', () => {
  it.each(REMOVAL_PATH.map((point) => [point]))(
    'a SIGKILL at %s still ends with the old session denied, once, after a restart',
    async (point: FaultPoint) => {
      ws = await Workspace.create(configYaml);
      emulator = await EmulatorProcess.start(ws.configPath);
      const cloud = aws(emulator.url);
      try {
        const now = Date.now();
        const first = await start({
          clock: new Date(now).toISOString(),
          env: { JIT_TEST_CRASH_AT: point },
        });
        const alice = await first.token('alice');
        const requested = await first.post<{ grant: { id: string; status: string } }>(
          '/v1/requests',
          { role: 'admin', duration: 'PT1H', justification: 'INC-9' },
          alice,
        );
        expect(requested.status).toBe(201);
        const id = requested.body.grant.id;
        await first.reconcile();
        const userId = await cloud.aliceId();
        expect(await cloud.isMember(userId)).toBe(true);
        // A session taken as the grant began: its own 2 h would outlive the grant.
        const old = await cloud.session(userId, new Date(now));

        // End the grant: by its clock for the expiry point, by "I'm done" for the others.
        let later = Date.now();
        if (point === 'controller.after-grant-expired') {
          later = now + 61 * 60_000;
          await first.setClock(new Date(later).toISOString()).catch(() => undefined);
        } else {
          await first
            .post(`/v1/grants/${id}/revoke`, { reason: 'done' }, alice)
            .catch(() => undefined);
        }
        await first.exited();
        expect(first.process.signalCode, `crashed at ${point}`).toBe('SIGKILL');

        const second = await start({ clock: new Date(later + 1_000).toISOString() });
        await second.reconcile();
        expect(await cloud.isMember(userId)).toBe(false);
        expect(await cloud.allowed(old, new Date(later + 2_000))).toBe(false);
        const actions = (await audit(id)).map((e) => e.action);
        expect(actions.filter((a) => a === 'sessions.revoked')).toHaveLength(1);
        expect(actions).not.toContain('sessions.revoke_failed');
        const verify = await runJit(['audit', 'verify', '--config', ws.configPath], {}, ws.dir);
        expect(verify.code).toBe(0);
      } finally {
        cloud.close();
      }
    },
    120_000,
  );
});
