// Acceptance: the server and the CLI run as separate built processes talking over HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readHoldings } from '../../src/adapters/local/file-access-target.js';
import { CliUser, JitServer, Workspace, runJit } from '../support/jit-process.js';
import { acceptanceConfig } from '../support/test-config.js';

interface GrantJson {
  id: string;
  status: string;
  endsAt?: string;
  startsAt?: string;
}
interface Outcome {
  grant: GrantJson;
  action: string;
  overlaps?: string[];
}

let ws: Workspace;
let server: JitServer;
let alice: CliUser;
let bob: CliUser;
let carol: CliUser;

const held = () => readHoldings(ws.targetPath);

beforeAll(async () => {
  ws = await Workspace.create(acceptanceConfig);
  server = await JitServer.start(ws);
  [alice, bob, carol] = await Promise.all([
    CliUser.login('alice', server, ws),
    CliUser.login('bob', server, ws),
    CliUser.login('carol', server, ws),
  ]);
});

// Tests move the server's clock by hours: sign in again so MFA evidence is fresh.
beforeEach(async () => {
  [alice, bob, carol] = await Promise.all([
    CliUser.login('alice', server, ws),
    CliUser.login('bob', server, ws),
    CliUser.login('carol', server, ws),
  ]);
});

afterAll(async () => {
  await server.stop();
  await ws.dispose();
});

describe('a grant through its whole life, over HTTP between separate processes', () => {
  it('is requested by alice, approved by bob, active within one pass, removed at its end, and fully audited', async () => {
    const requested = await alice.json<Outcome>([
      'request',
      'prod-admin',
      '--duration',
      'PT1H',
      '--justification',
      'INC-1: fix the deploy',
    ]);
    expect(requested.grant.status).toBe('pending_approval');
    const id = requested.grant.id;

    const waiting = await bob.json<GrantJson[]>(['approvals']);
    expect(waiting.map((g) => g.id)).toContain(id);

    const approved = await bob.json<Outcome>(['approve', id, '--comment', 'go ahead']);
    expect(approved.action).toBe('grant.activated');
    await server.reconcile();
    expect(held()).toContainEqual({
      kind: 'group-membership',
      group: 'JIT-prod-admin',
      user: 'alice@example.com',
    });

    await server.advance('PT59M');
    await server.reconcile();
    expect(held()).toHaveLength(1);

    await server.advance('PT2M');
    await server.reconcile();
    expect(held()).toEqual([]);
    const ended = await alice.json<GrantJson>(['show', id]);
    expect(ended.status).toBe('expired');

    const verify = await runJit(
      ['audit', 'verify', '--config', ws.configPath],
      { NO_COLOR: '1' },
      ws.dir,
    );
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('audit chain intact');
    const exported = await runJit(
      ['audit', 'export', '--format', 'jsonl', '--config', ws.configPath],
      {},
      ws.dir,
    );
    const actions = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; grantId?: string; actor: string })
      .filter((e) => e.grantId === id);
    expect(actions.map((e) => e.action)).toEqual([
      'grant.requested',
      'grant.pending_approval',
      'grant.activated',
      'target.granted',
      'grant.expired',
      'target.revoked',
      'sessions.not_revoked',
    ]);
    expect(actions.find((e) => e.action === 'grant.activated')?.actor).toBe('bob@example.com');
  });

  it('refuses self-approval', async () => {
    const { grant } = await alice.json<Outcome>(['request', 'prod-admin', '--justification', 'z']);
    const selfTry = await alice.run(['approve', grant.id]);
    expect(selfTry.code).toBe(1);
    expect(selfTry.stderr).toContain('cannot approve it');
    await alice.run(['cancel', grant.id]);
  });

  it('needs two different approvers for a quorum of two', async () => {
    const { grant } = await alice.json<Outcome>([
      'request',
      'db-admin',
      '--account',
      '222222222222',
      '--justification',
      'migration',
    ]);
    const first = await bob.json<Outcome>(['approve', grant.id]);
    expect(first.action).toBe('grant.approval_recorded');
    const again = await bob.run(['approve', grant.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already approved');
    const second = await carol.json<Outcome>(['approve', grant.id]);
    expect(second.action).toBe('grant.activated');
    await server.reconcile();
    expect(held()).toContainEqual({
      kind: 'account-assignment',
      permissionSet: 'DbAdmin',
      account: '222222222222',
      user: 'alice@example.com',
    });
    expect(held()).not.toContainEqual({
      kind: 'account-assignment',
      permissionSet: 'DbAdmin',
      account: '111111111111',
      user: 'alice@example.com',
    });
    await alice.run(['revoke', grant.id, '--reason', 'done']);
    await server.reconcile();
  });

  it('refuses a duration over the maximum and names the maximum', async () => {
    const result = await alice.run([
      'request',
      'prod-admin',
      '--duration',
      'PT5H',
      '--justification',
      'x',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PT4H');
  });

  it('answers a person who is not eligible with 403 and the reason', async () => {
    const token = await server.token('mallory');
    const response = await server.post<{ code: string; detail: string; status: number }>(
      '/v1/requests',
      { role: 'prod-admin', justification: 'x' },
      token,
    );
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('ERR_NOT_ELIGIBLE');
    expect(response.body.detail).toContain('not eligible for role prod-admin');
  });

  it('refuses a role that requires MFA to a user who signed in without it', async () => {
    const dave = await CliUser.login('dave', server, ws);
    const result = await dave.run(['request', 'prod-admin', '--justification', 'x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('requires a sign-in with MFA');
  });

  it('keeps access continuous across an approved overlapping request and ends it at the later end', async () => {
    const first = await alice.json<Outcome>([
      'request',
      'prod-admin',
      '--duration',
      'PT1H',
      '--justification',
      'first',
    ]);
    await bob.json<Outcome>(['approve', first.grant.id]);
    await server.reconcile();
    await server.advance('PT30M');
    const second = await alice.json<Outcome>([
      'request',
      'prod-admin',
      '--duration',
      'PT2H',
      '--justification',
      'second',
    ]);
    expect(second.overlaps).toContain(first.grant.id);
    const approved = await carol.json<Outcome>(['approve', second.grant.id]);
    const later = Date.parse(approved.grant.endsAt ?? '');
    await server.reconcile();
    // Past the first grant's end: it expires, but access stays under the second.
    await server.advance('PT31M');
    await server.reconcile();
    expect((await alice.json<GrantJson>(['show', first.grant.id])).status).toBe('expired');
    expect(held()).toContainEqual({
      kind: 'group-membership',
      group: 'JIT-prod-admin',
      user: 'alice@example.com',
    });
    await server.setClock(new Date(later + 60_000).toISOString());
    await server.reconcile();
    expect(held()).toEqual([]);
    const exported = await runJit(['audit', 'export', '--config', ws.configPath], {}, ws.dir);
    const removals = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; grantId?: string })
      .filter(
        (e) =>
          e.action === 'target.revoked' &&
          (e.grantId === first.grant.id || e.grantId === second.grant.id),
      );
    expect(removals.map((e) => e.grantId)).toEqual([second.grant.id]);
  });

  it('extends an active grant after approval, without a gap', async () => {
    const { grant } = await alice.json<Outcome>([
      'request',
      'prod-admin',
      '--duration',
      'PT1H',
      '--justification',
      'work',
    ]);
    await bob.json<Outcome>(['approve', grant.id]);
    await server.reconcile();
    const asked = await alice.json<Outcome>([
      'extend',
      grant.id,
      '--by',
      'PT1H',
      '--justification',
      'more work',
    ]);
    expect(asked.action).toBe('grant.extension_requested');
    const extended = await carol.json<Outcome>(['approve', grant.id]);
    expect(extended.action).toBe('grant.extended');
    expect(Date.parse(extended.grant.endsAt ?? '')).toBe(
      Date.parse(asked.grant.endsAt ?? '') + 3_600_000,
    );
    await server.advance('PT1H30M');
    await server.reconcile();
    expect(held()).toHaveLength(1);
    await server.advance('PT31M');
    await server.reconcile();
    expect(held()).toEqual([]);
  });
});
