// Entra PIM: activation-to-access and expiry-to-removal latency through JIT's watcher, beside
// Entra's own provisioning cycle (the seed's path) in the same run, for 100 activations.
//
// One settable clock, flowing from real time and moved from event to event, drives both
// emulators, so 6 hours of PIM activity run in about a minute and the real cost of every
// step (Graph poll, mirror, controller pass, AWS calls, SCIM cycle) is part of the simulated
// latencies.
// Two Identity Center emulators: A is the controller's target (the watcher path); B receives
// only Entra's provisioning job (the SCIM path). Activations are `adminAssign` requests with
// the app token (selfActivate would need 100 interactive sign-ins), at seeded-random times
// over 4 hours, for PT30M..PT2H each. Events, earliest first: a watcher poll (every 10 s,
// the default `entra.pollInterval`: poll, mirror, pass), a grant's end (the controller's
// timer: a pass), an activation, a provisioning cycle boundary (40 minutes). Membership is
// read from A after every pass and from B after every cycle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListRootsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { createIdentityCenterClients } from '../src/adapters/aws/create-identity-center-clients.js';
import { IdentityCenterAccessTarget } from '../src/adapters/aws/identity-center-access-target.js';
import { IdentityCenterIds } from '../src/adapters/aws/identity-center-ids.js';
import { IdentityCenterRateLimiter } from '../src/adapters/aws/identity-center-rate-limiter.js';
import { ScpSessionRevoker } from '../src/adapters/aws/revocation/scp-session-revoker.js';
import { parseConfig, type JitConfig } from '../src/config/index.js';
import { Reconciler } from '../src/controller/reconciler.js';
import { HOUR, MINUTE } from '../src/core/duration.js';
import type { Entitlement } from '../src/core/grant.js';
import { startIdentityCenterEmulator } from '../src/emulators/identity-center/start-identity-center-emulator.js';
import { applyIdentityCenter } from '../src/plan/apply-identity-center.js';
import { SettableClock, type Clock } from '../src/ports/clock.js';
import { SequentialIds } from '../src/ports/ids.js';
import { silentLogger } from '../src/ports/logger.js';
import { startEntraSandbox } from '../src/sandbox/entra-sandbox.js';
import {
  SANDBOX_CREDENTIALS,
  SANDBOX_MANAGEMENT_ACCOUNT,
  sandboxSeed,
} from '../src/sandbox/identity-center-sandbox.js';
import { openStore } from '../src/store/open-store.js';
import { PimMirror } from '../src/controller/pim-mirror.js';

const PROD = '111111111111';
const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
const POLL_MS = 10_000;
const SPREAD_MS = 4 * HOUR;
const MIN_DURATION_MIN = 30;
const MAX_DURATION_MIN = 120;
const SEED = 4;
const REQUESTS = '/identityGovernance/privilegedAccess/group/assignmentScheduleRequests';
const ROLES = [
  { role: 'pim-admin', group: 'JIT-PIM-Admin' },
  { role: 'pim-deploy', group: 'JIT-PIM-Deploy' },
] as const;

function configYaml(users: number, sqlitePath: string): string {
  const list = Array.from(
    { length: users },
    (_, i) => `    u${i}: { email: u${i}@example.com, displayName: User ${i}, mfa: true }`,
  ).join('\n');
  const members = Array.from({ length: users }, (_, i) => `u${i}`).join(', ');
  const activation =
    '{ maxDuration: PT2H, requireJustification: true, requireMfa: false, approval: { required: false } }';
  return `mode: sandbox
permissionSets:
  Admin: { sessionDuration: PT1H, managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess] }
  Deploy: { sessionDuration: PT1H, managedPolicies: [arn:aws:iam::aws:policy/PowerUserAccess] }
roles:
  pim-admin:
    source: entra-pim
    group: JIT-PIM-Admin
    permissionSet: Admin
    accounts: ['${PROD}']
    activation: ${activation}
    eligibility: { members: [engineers] }
  pim-deploy:
    source: entra-pim
    group: JIT-PIM-Deploy
    permissionSet: Deploy
    accounts: ['${PROD}']
    activation: ${activation}
    eligibility: { members: [engineers] }
directory:
  users:
${list}
  groups:
    engineers: { members: [${members}] }
store:
  sqlite: ${JSON.stringify(sqlitePath)}
`;
}

/** mulberry32: a small seeded PRNG, so every run plans the same activations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Activation {
  readonly user: string;
  readonly group: string;
  readonly groupId: string;
  /** Planned start (simulated). */
  readonly at: number;
  readonly minutes: number;
  startedAt?: number;
  endsAt?: number;
  /** First time the membership was seen in A (watcher) / B (SCIM), and first time gone. */
  grantedA?: number;
  removedA?: number;
  grantedB?: number;
  removedB?: number;
}

interface Stats {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), max: Math.round(sorted.at(-1) ?? 0) };
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return Number(value.toFixed(2));
}

const ratio = (a: number, b: number): number | null => (b > 0 ? Number((a / b).toFixed(1)) : null);

const keyOf = (group: string, user: string): string => `${group}|${user.toLowerCase()}`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface IdentityCenter {
  readonly target: IdentityCenterAccessTarget;
  readonly revoker: ScpSessionRevoker;
  readonly scim: { readonly url: string; readonly token: string };
  /** The memberships the config's groups hold, read through clients of their own. */
  held(): Promise<readonly Entitlement[]>;
  close(): Promise<void>;
}

/**
 * An Identity Center emulator seeded from the config, the SDK adapter and SCP revoker on it:
 * what `startIdentityCenterSandbox` builds, except that the adapter's client-side rate limiter
 * (20 calls a second) runs on the simulated clock. On real time it would pace calls that are
 * 10 simulated seconds apart as if they came back to back, and the figures would measure it.
 */
async function startIdentityCenter(config: JitConfig, clock: Clock): Promise<IdentityCenter> {
  const emulator = await startIdentityCenterEmulator({
    clock: () => clock.now(),
    seed: sandboxSeed(config),
  });
  const endpoint = emulator.url;
  const base = { region: 'us-east-1', endpoint, credentials: SANDBOX_CREDENTIALS };
  const { ssoAdmin, identityStore } = createIdentityCenterClients({
    ...base,
    limiter: new IdentityCenterRateLimiter({ now: () => clock.now(), sleep }),
  });
  const applied = await applyIdentityCenter({
    config,
    ssoAdmin,
    identityStore,
    createUsers: true,
    sleep,
  });
  const targetOptions = {
    instanceArn: applied.instanceArn,
    identityStoreId: applied.identityStoreId,
    clock,
    permissionSetArns: Object.fromEntries(applied.permissionSetArns),
  };
  const ids = new IdentityCenterIds({ ssoAdmin, identityStore, ...targetOptions });
  const target = new IdentityCenterAccessTarget({ ssoAdmin, identityStore, ids, clock });
  const organizations = new OrganizationsClient(base);
  const roots = await organizations.send(new ListRootsCommand({}));
  const rootId = roots.Roots?.[0]?.Id;
  if (!rootId) throw new Error('the emulated organisation has no root');
  const revoker = new ScpSessionRevoker({
    organizations,
    identityStore,
    ssoAdmin,
    ids,
    clock,
    targetId: rootId,
    managementAccountId: SANDBOX_MANAGEMENT_ACCOUNT,
    sessionDurationOf: (name) => config.permissionSets.get(name)?.sessionDuration ?? 12 * HOUR,
    sleep,
  });
  // The observer: its own clients and limiter, so reading does not spend the controller's budget.
  const observerClients = createIdentityCenterClients({
    ...base,
    requestsPerSecond: 10_000,
    burst: 10_000,
  });
  const observer = new IdentityCenterAccessTarget({
    ssoAdmin: observerClients.ssoAdmin,
    identityStore: observerClients.identityStore,
    ids: new IdentityCenterIds({
      ssoAdmin: observerClients.ssoAdmin,
      identityStore: observerClients.identityStore,
      ...targetOptions,
    }),
    clock,
  });
  const groups = [...config.roles.values()].map((r) => r.group);
  return {
    target,
    revoker,
    scim: { url: `${endpoint}/scim/v2/`, token: emulator.scim.token.token },
    held: () => observer.list({ groups, assignments: [] }),
    async close() {
      for (const client of [ssoAdmin, identityStore, organizations]) client.destroy();
      observerClients.ssoAdmin.destroy();
      observerClients.identityStore.destroy();
      await emulator.close();
    },
  };
}

async function graphJson(
  method: string,
  url: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

export async function entraPimBench(activations = 100): Promise<Record<string, unknown>> {
  const realStart = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'jit-bench-pim-'));
  const parsed = parseConfig(configYaml(activations, join(dir, 'jit.db')), 'bench.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const config = parsed.config;
  const clock = new SettableClock({ base: () => Date.now() });
  clock.set(T0);
  const closers: (() => Promise<void>)[] = [];
  try {
    const [idcA, idcB] = await Promise.all([
      startIdentityCenter(config, clock),
      startIdentityCenter(config, clock),
    ]);
    closers.push(
      () => idcA.close(),
      () => idcB.close(),
    );
    const entra = await startEntraSandbox({ config, clock, scim: idcB.scim });
    closers.unshift(() => entra.close());
    const store = await openStore({ sqlitePath: join(dir, 'jit.db') });
    closers.unshift(() => store.close());
    const mirror = new PimMirror({
      store,
      roles: config.roles,
      clock,
      ids: new SequentialIds(),
      logger: silentLogger,
    });
    const reconciler = new Reconciler({
      store,
      target: idcA.target,
      revoker: idcA.revoker,
      roles: config.roles,
      clock,
      random: () => 0.5,
      sleep,
      logger: silentLogger,
      options: { pollIntervalMs: 100 },
    });
    const graphUrl = entra.emulator.graphUrl;

    // Entra object ids of the users, through Graph.
    const userIds = new Map<string, string>();
    let next: string | undefined = `${graphUrl}/users?$select=id,userPrincipalName&$top=999`;
    while (next !== undefined) {
      const page = await graphJson('GET', next, await entra.adapters.tokens.getToken());
      if (page.status !== 200) throw new Error(`GET /users answered ${page.status}`);
      for (const u of page.json['value'] as { id: string; userPrincipalName: string }[])
        userIds.set(u.userPrincipalName.toLowerCase(), u.id);
      const link = page.json['@odata.nextLink'];
      next = typeof link === 'string' ? link : undefined;
    }

    // The plan: one activation per user, in one of the two roles, at a seeded-random time.
    const random = prng(SEED);
    const plan: Activation[] = Array.from({ length: activations }, (_, i) => {
      const { role, group } = ROLES[Math.floor(random() * ROLES.length)] ?? ROLES[0];
      const groupId = entra.groups.get(role);
      if (!groupId) throw new Error(`no PIM group for ${role}`);
      return {
        user: `u${i}@example.com`,
        group,
        groupId,
        at: T0 + MINUTE + Math.floor(random() * SPREAD_MS),
        minutes:
          MIN_DURATION_MIN + Math.floor(random() * (MAX_DURATION_MIN - MIN_DURATION_MIN + 1)),
      };
    }).sort((a, b) => a.at - b.at);
    const byKey = new Map(plan.map((a) => [keyOf(a.group, a.user), a]));
    const anomalies: string[] = [];

    /** Records what one side holds at `seenAt`: first appearance, first disappearance. */
    const observe = (side: 'A' | 'B', held: readonly Entitlement[], seenAt: number): void => {
      const present = new Set<string>();
      for (const e of held) if (e.kind === 'group-membership') present.add(keyOf(e.group, e.user));
      for (const key of present)
        if (!byKey.get(key)?.startedAt) anomalies.push(`${side}: ${key} held without activation`);
      for (const a of byKey.values()) {
        if (a.startedAt === undefined || a.endsAt === undefined) continue;
        const granted = side === 'A' ? 'grantedA' : 'grantedB';
        const removed = side === 'A' ? 'removedA' : 'removedB';
        const has = present.has(keyOf(a.group, a.user));
        if (has && a[removed] !== undefined)
          anomalies.push(`${side}: ${a.user} in ${a.group} again after removal`);
        if (has && a[granted] === undefined) a[granted] = seenAt;
        if (!has && a[granted] !== undefined && a[removed] === undefined) {
          a[removed] = seenAt;
          if (seenAt < a.endsAt)
            anomalies.push(`${side}: ${a.user} lost ${a.group} before the PIM end`);
        }
      }
    };

    const passMs: number[] = [];
    const endPassMs: number[] = [];
    const graphCallsPerPoll: number[] = [];
    const graphByOperation = new Map<string, number>();
    let polls = 0;
    let failedPolls = 0;
    let passes = 0;
    /** When the last pass began: it handled every grant due by then. */
    let lastPassFrom = -Infinity;
    const callsTotal = (): Map<string, number> => new Map(Object.entries(entra.emulator.calls()));

    const runPass = async (withPoll: boolean): Promise<void> => {
      const t0 = performance.now();
      if (withPoll) {
        const before = callsTotal();
        const snapshots = await entra.adapters.activationSource.poll(mirror.groups);
        let calls = 0;
        for (const [op, n] of callsTotal()) {
          const delta = n - (before.get(op) ?? 0);
          if (delta <= 0) continue;
          calls += delta;
          graphByOperation.set(op, (graphByOperation.get(op) ?? 0) + delta);
        }
        graphCallsPerPoll.push(calls);
        polls += 1;
        if (snapshots.some((s) => !s.ok)) failedPolls += 1;
        await mirror.sync(snapshots);
      }
      const result = await reconciler.pass();
      (withPoll ? passMs : endPassMs).push(performance.now() - t0);
      passes += 1;
      lastPassFrom = result.startedAt;
      for (const o of result.outcomes)
        if (o.result === 'failed') anomalies.push(`pass: ${o.action} ${o.key} failed`);
      const seenAt = clock.now();
      observe('A', await idcA.held(), seenAt);
    };

    let nextPoll = T0 + POLL_MS;
    let cycles = entra.emulator.provisioning.status().cycles;
    const nextCycle = (): number =>
      Date.parse(entra.emulator.provisioning.status().nextCycleAt ?? '') || Infinity;
    const lastEnd = (): number =>
      Math.max(...plan.map((a) => a.endsAt ?? a.at + a.minutes * MINUTE));
    let index = 0;
    let cycleAfterLastEnd = false;
    const horizon = lastEnd() + 3 * HOUR;

    while (!(index === plan.length && cycleAfterLastEnd)) {
      if (clock.now() > horizon) throw new Error('the simulation did not settle within 3 h');
      const due = await store.nextDueAt();
      const at = Math.min(
        nextPoll,
        nextCycle(),
        plan[index]?.at ?? Infinity,
        due !== undefined && due > lastPassFrom ? due : Infinity,
      );
      if (at > clock.now()) clock.set(at);
      await entra.emulator.provisioning.settled();
      const status = entra.emulator.provisioning.status();
      if (status.cycles !== cycles) {
        cycles = status.cycles;
        const seenAt = clock.now();
        observe('B', await idcB.held(), seenAt);
        if (index === plan.length && seenAt > lastEnd()) cycleAfterLastEnd = true;
      }
      for (let a = plan[index]; a !== undefined && a.at <= clock.now(); a = plan[index]) {
        index += 1;
        const startedAt = clock.now();
        const principalId = userIds.get(a.user);
        if (!principalId) throw new Error(`no Entra user ${a.user}`);
        const answer = await graphJson(
          'POST',
          `${graphUrl}${REQUESTS}`,
          await entra.adapters.tokens.getToken(),
          {
            accessId: 'member',
            principalId,
            groupId: a.groupId,
            action: 'adminAssign',
            justification: 'bench: on-call change',
            scheduleInfo: {
              startDateTime: new Date(startedAt).toISOString(),
              expiration: { type: 'afterDuration', duration: `PT${a.minutes}M` },
            },
          },
        );
        if (answer.status !== 201)
          throw new Error(`adminAssign answered ${answer.status}: ${JSON.stringify(answer.json)}`);
        a.startedAt = startedAt;
        a.endsAt = startedAt + a.minutes * MINUTE;
      }
      const now = clock.now();
      if (now >= nextPoll) {
        while (nextPoll <= now) nextPoll += POLL_MS;
        await runPass(true);
      } else if (due !== undefined && due > lastPassFrom && due <= now) {
        await runPass(false);
      }
    }

    // The watcher path must have missed nothing: every activation granted before its end,
    // every grant removed, every grant in the store expired.
    const grantsInStore = (
      await Promise.all(ROLES.map(({ role }) => store.listGrants({ role, limit: 1000 })))
    ).flat();
    const expired = grantsInStore.filter((s) => s.grant.status === 'expired').length;
    const failedAudit = await store.queryAudit({ action: 'grant.failed' });
    const missedActivations = plan.filter(
      (a) => a.grantedA === undefined || a.grantedA >= (a.endsAt ?? 0),
    ).length;
    const missedExpiries = plan.filter((a) => a.removedA === undefined).length;

    const lat = (pick: (a: Activation) => number | undefined): number[] =>
      plan.flatMap((a) => {
        const v = pick(a);
        return v === undefined ? [] : [v];
      });
    const since = (x: number | undefined, from: number | undefined): number | undefined =>
      x === undefined || from === undefined ? undefined : x - from;
    const watcherGrant = stats(lat((a) => since(a.grantedA, a.startedAt)));
    const watcherRemove = stats(lat((a) => since(a.removedA, a.endsAt)));
    const scimGrant = stats(lat((a) => since(a.grantedB, a.startedAt)));
    const scimRemove = stats(lat((a) => since(a.removedB, a.endsAt)));
    /** Share of the PIM window during which the membership existed, and time held past it. */
    const coverage = (
      side: 'A' | 'B',
    ): { withinPimWindowPct: number; heldAfterPimEndMin: { total: number; mean: number } } => {
      let inside = 0;
      let window = 0;
      let after = 0;
      for (const a of plan) {
        const start = a.startedAt ?? 0;
        const end = a.endsAt ?? 0;
        window += end - start;
        const g = side === 'A' ? a.grantedA : a.grantedB;
        const r = side === 'A' ? a.removedA : a.removedB;
        if (g === undefined || r === undefined) continue;
        inside += Math.max(0, Math.min(r, end) - Math.max(g, start));
        after += Math.max(0, r - Math.max(g, end));
      }
      return {
        withinPimWindowPct: Number(((100 * inside) / window).toFixed(1)),
        heldAfterPimEndMin: {
          total: Math.round(after / MINUTE),
          mean: Number((after / MINUTE / plan.length).toFixed(1)),
        },
      };
    };
    const provisioning = entra.emulator.provisioning.status();
    return {
      benchmark: 'entra-pim-latency',
      activations: plan.length,
      roles: ROLES.length,
      seed: SEED,
      plan: {
        spreadHours: SPREAD_MS / HOUR,
        durations: `PT${MIN_DURATION_MIN}M..PT${MAX_DURATION_MIN / 60}H`,
        how: 'adminAssign with the app token',
      },
      pollIntervalMs: POLL_MS,
      provisioningCycleMs: provisioning.cycleMs,
      simulatedHours: Number(((clock.now() - T0) / HOUR).toFixed(2)),
      watcher: {
        activationToAccessMs: watcherGrant,
        expiryToRemovalMs: watcherRemove,
        ...coverage('A'),
        missedActivations,
        missedExpiries,
        grantsInStore: grantsInStore.length,
        grantsExpired: expired,
        grantFailedAudits: failedAudit.length,
      },
      scim: {
        activationToAccessMs: scimGrant,
        expiryToRemovalMs: scimRemove,
        ...coverage('B'),
        neverProvisioned: plan.filter((a) => a.grantedB === undefined).length,
        cycles: provisioning.cycles,
        scimRequests: provisioning.totals.scimRequests,
        scimErrors: provisioning.totals.errors,
      },
      ratioScimToWatcherP50: {
        activationToAccess: ratio(scimGrant.p50, watcherGrant.p50),
        expiryToRemoval: ratio(scimRemove.p50, watcherRemove.p50),
      },
      anomalies,
      polls,
      failedPolls,
      passes,
      pollAndPassWallMs: { p50: percentile(passMs, 0.5), p99: percentile(passMs, 0.99) },
      endTimePassWallMs: { p50: percentile(endPassMs, 0.5), p99: percentile(endPassMs, 0.99) },
      graphCallsPerPoll: {
        mean: Number(
          (graphCallsPerPoll.reduce((n, c) => n + c, 0) / Math.max(1, polls)).toFixed(2),
        ),
        p50: percentile(graphCallsPerPoll, 0.5),
        max: Math.max(0, ...graphCallsPerPoll),
        byOperation: Object.fromEntries(graphByOperation),
      },
      runtimeMs: Math.round(performance.now() - realStart),
    };
  } finally {
    for (const close of closers) await close();
    rmSync(dir, { recursive: true, force: true });
  }
}
