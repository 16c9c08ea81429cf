// A stand-in for a real AWS organisation and Entra tenant, for live-mode acceptance tests:
// the Identity Center emulator (sso-admin, identitystore, Organizations, STS) and the Entra
// emulator (sign-in, Graph, PIM) on 127.0.0.1, seeded the way an administrator would have
// set them up (permission sets, groups and users in Identity Center; users, PIM groups,
// eligibilities and activation policies in Entra), and a container-credentials endpoint.
// The live server is configured only as a real deployment is: a live config file and the
// standard AWS environment (AWS_REGION, AWS_ENDPOINT_URL_*, AWS_CONTAINER_CREDENTIALS_FULL_URI).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { GetGroupIdCommand, ListGroupMembershipsCommand } from '@aws-sdk/client-identitystore';
import { parseConfig, type JitConfig } from '../../src/config/index.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from '../../src/emulators/identity-center/start-identity-center-emulator.js';
import { applyIdentityCenter } from '../../src/plan/apply-identity-center.js';
import { SettableClock } from '../../src/ports/clock.js';
import { startEntraSandbox, type EntraSandbox } from '../../src/sandbox/entra-sandbox.js';
import { sandboxSeed } from '../../src/sandbox/identity-center-sandbox.js';
import {
  emulatorTestClients,
  type EmulatorTestClients,
} from '../harness/identity-center-clients.js';
import { Workspace } from './jit-process.js';

/** The organisation as an administrator set it up (a sandbox config seeds the emulators). */
const SEED = `mode: sandbox
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
    eligibility: { members: [alice] }
  db-admin:
    group: JIT-db-admin
    permissionSet: DbAdmin
    accounts: ['111111111111']
    enforcement: account-assignment
    eligibility: { members: [alice] }
  prod-pim:
    source: entra-pim
    group: JIT-Prod-PIM
    permissionSet: AdminAccess
    accounts: ['111111111111']
    activation:
      maxDuration: PT2H
      requireJustification: true
      requireMfa: false
      approval: { required: false }
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com, displayName: Alice Example, mfa: true }
    bob: { email: bob@example.com, displayName: Bob Example, mfa: true }
    carol: { email: carol@example.com, displayName: Carol Example, mfa: true }
  groups: {}
`;

/** The live config a platform engineer would write for that organisation. */
function liveConfig(world: { dir: string; port: number; entra: EntraSandbox['emulator'] }): string {
  const { entra } = world;
  return `mode: live
admins: [carol@example.com]
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
      approval: { required: true, approvers: [bob@example.com], quorum: 1 }
    eligibility: { members: [alice@example.com] }
  db-admin:
    group: JIT-db-admin
    permissionSet: DbAdmin
    accounts: ['111111111111']
    enforcement: account-assignment
    activation:
      maxDuration: PT2H
      approval: { required: true, approvers: [bob@example.com], quorum: 1 }
    eligibility: { members: [alice@example.com] }
  prod-pim:
    source: entra-pim
    group: JIT-Prod-PIM
    permissionSet: AdminAccess
    accounts: ['111111111111']
    activation:
      maxDuration: PT2H
      requireJustification: true
      requireMfa: false
      approval: { required: false }
    eligibility: { members: [alice@example.com] }
aws:
  roleArn: arn:aws:iam::999999999999:role/jit-controller
  externalId: jit-acceptance
entra:
  tenantId: ${entra.tenantId}
  clientId: ${entra.app.clientId}
  clientSecretEnv: JIT_ENTRA_CLIENT_SECRET
  authority: ${entra.url}
  graphUrl: ${entra.graphUrl}
  pollInterval: PT2S
auth:
  oidc:
    issuer: ${entra.issuer}
    clientId: ${entra.app.clientId}
    clientSecretEnv: JIT_OIDC_CLIENT_SECRET
store:
  sqlite: ${JSON.stringify(join(world.dir, 'jit.db'))}
audit:
  checkpoints: { file: ${JSON.stringify(join(world.dir, 'checkpoints.jsonl'))} }
server:
  publicUrl: http://127.0.0.1:${String(world.port)}
  controller: { sweepInterval: PT1M }
`;
}

/** Serves one set of static credentials the way ECS's credentials endpoint does. */
class ContainerCredentials {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly token: string,
    private readonly counter: { requests: number },
  ) {}

  static async start(): Promise<ContainerCredentials> {
    const token = randomBytes(16).toString('hex');
    const counter = { requests: 0 };
    const server = createServer((request, response) => {
      counter.requests += 1;
      if (request.headers.authorization !== token) {
        response.writeHead(401).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          AccessKeyId: 'AKIAJITCONTAINER0000',
          SecretAccessKey: 'container-secret-not-real',
          Token: 'container-session-token',
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new ContainerCredentials(
      server,
      `http://127.0.0.1:${String(port)}/v2/credentials/jit`,
      token,
      counter,
    );
  }

  /** Credential requests served so far. */
  get requests(): number {
    return this.counter.requests;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => {
        resolve();
      });
    });
  }
}

export class LiveWorld {
  private constructor(
    readonly ws: Workspace,
    readonly port: number,
    readonly identityCenter: RunningIdentityCenterEmulator,
    readonly identityStoreId: string,
    readonly entra: EntraSandbox,
    readonly credentials: ContainerCredentials,
    readonly clients: EmulatorTestClients,
    /** The Entra emulator's clock (real time plus what tests add); the server's is real. */
    readonly entraClock: SettableClock,
  ) {}

  static async start(): Promise<LiveWorld> {
    const parsed = parseConfig(SEED, 'seed.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const seed: JitConfig = parsed.config;
    const identityCenter = await startIdentityCenterEmulator({
      seed: sandboxSeed(seed),
      clock: () => Date.now(),
    });
    const clients = emulatorTestClients(identityCenter.url, 3);
    const applied = await applyIdentityCenter({
      config: seed,
      ssoAdmin: clients.ssoAdmin,
      identityStore: clients.identityStore,
      createUsers: true,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    // Entra's clock is the tenant's own: tests move it to reach a PIM activation's end.
    const entraClock = new SettableClock({ base: () => Date.now() });
    const entra = await startEntraSandbox({ config: seed, clock: entraClock });
    const credentials = await ContainerCredentials.start();
    const port = await freePort();
    const ws = await Workspace.create((dir) => liveConfig({ dir, port, entra: entra.emulator }));
    await writeFile(join(ws.dir, 'entra-secret'), `${entra.emulator.app.clientSecret}\n`, {
      mode: 0o600,
    });
    return new LiveWorld(
      ws,
      port,
      identityCenter,
      applied.identityStoreId,
      entra,
      credentials,
      clients,
      entraClock,
    );
  }

  /** The environment of a live deployment: AWS from the standard variables, secrets from
   *  variables and files; nothing that names an emulator except the endpoints. */
  env(): Record<string, string> {
    const url = this.identityCenter.url;
    return {
      HOME: join(this.ws.dir, 'home'),
      AWS_CONFIG_FILE: join(this.ws.dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(this.ws.dir, 'no-aws-credentials'),
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_SSO_ADMIN: url,
      AWS_ENDPOINT_URL_IDENTITYSTORE: url,
      AWS_ENDPOINT_URL_ORGANIZATIONS: url,
      AWS_ENDPOINT_URL_STS: url,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: this.credentials.url,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: this.credentials.token,
      JIT_SESSION_SECRET: randomBytes(48).toString('base64'),
      JIT_ENTRA_CLIENT_SECRET_FILE: join(this.ws.dir, 'entra-secret'),
      JIT_OIDC_CLIENT_SECRET: this.entra.emulator.app.clientSecret,
    };
  }

  /** Whether `user` is a member of the Identity Center group `group`, read through AWS's API. */
  async isMember(group: string, user: string): Promise<boolean> {
    const { identityStore } = this.clients;
    const groupId = (
      await identityStore.send(
        new GetGroupIdCommand({
          IdentityStoreId: this.identityStoreId,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: 'displayName', AttributeValue: group },
          },
        }),
      )
    ).GroupId;
    const userId = await this.userId(user);
    const page = await identityStore.send(
      new ListGroupMembershipsCommand({ IdentityStoreId: this.identityStoreId, GroupId: groupId }),
    );
    return (page.GroupMemberships ?? []).some((m) => m.MemberId?.UserId === userId);
  }

  async userId(user: string): Promise<string> {
    const { GetUserIdCommand } = await import('@aws-sdk/client-identitystore');
    const answer = await this.clients.identityStore.send(
      new GetUserIdCommand({
        IdentityStoreId: this.identityStoreId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'userName', AttributeValue: user },
        },
      }),
    );
    return answer.UserId ?? '';
  }

  /** A role session for `user` issued now (the emulator's session authority), or its refusal. */
  async issueSession(
    user: string,
    permissionSet: string,
    account = '111111111111',
  ): Promise<{ status: number; sessionId?: string }> {
    const response = await fetch(`${this.identityCenter.url}/_emulator/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userId: await this.userId(user),
        accountId: account,
        permissionSet,
        at: new Date().toISOString(),
      }),
    });
    const body = (await response.json()) as { sessionId?: string };
    return { status: response.status, ...(body.sessionId ? { sessionId: body.sessionId } : {}) };
  }

  /** Whether a call made with the session now is allowed (SCPs and inline Denies applied). */
  async sessionAllowed(sessionId: string): Promise<boolean> {
    const response = await fetch(
      `${this.identityCenter.url}/_emulator/sessions/${sessionId}/evaluate`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ at: new Date().toISOString() }),
      },
    );
    return ((await response.json()) as { allowed: boolean }).allowed;
  }

  async close(): Promise<void> {
    this.clients.destroy();
    await this.credentials.close();
    await this.entra.close();
    await this.identityCenter.close();
    await this.ws.dispose();
  }
}

/** A port free right now on 127.0.0.1: live mode's public URL must name it before start. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}

/** Polls `probe` until it is true or `ms` pass (real time: a live server has no test clock). */
export async function eventually(
  probe: () => Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > ms)
      throw new Error(`${what} did not happen within ${String(ms)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
