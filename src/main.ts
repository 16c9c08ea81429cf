// The composition root of `jit serve`: reads the environment, builds the clock, logger,
// store, target, workflow, controller and API, and runs them. Nothing else in src/ reads
// the environment or the real clock.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pino from 'pino';
import { combineAuthenticators, type Authenticator } from './api/auth/authenticator.js';
import { buildOidcLogin, type SandboxOidcProvider } from './api/auth/build-oidc-login.js';
import { SandboxTokens } from './api/auth/sandbox-tokens.js';
import { createApp, type App } from './api/create-app.js';
import type { JitConfig } from './config/index.js';
import { Controller } from './controller/controller.js';
import { Reconciler } from './controller/reconciler.js';
import { JitError } from './core/errors.js';
import { readSecret } from './config/read-secret.js';
import { SettableClock, type Clock } from './ports/clock.js';
import type { FaultPoint, FaultPoints } from './ports/fault-points.js';
import type { Clouds } from './ports/clouds.js';
import { inPrincipalSet } from './core/role.js';
import { connectLiveClouds } from './live/live-clouds.js';
import type { SandboxClouds } from './sandbox/sandbox-clouds.js';
import { ActivationWatcher } from './controller/activation-watcher.js';
import { AuditCheckpointWriter, loadCheckpointKey } from './audit/checkpoint-writer.js';
import { PimMirror } from './controller/pim-mirror.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { IncidentService } from './workflow/incident-service.js';
import { startEmfWriter } from './adapters/prometheus/emf-writer.js';
import { PrometheusMetrics } from './adapters/prometheus/prometheus-metrics.js';
import { WorkflowService } from './workflow/workflow-service.js';
import { randomIds } from './adapters/local/random-ids.js';

export interface ServeOptions {
  readonly config: JitConfig;
  readonly host?: string;
  readonly port?: number;
  /** Sandbox only: the clock can be set over HTTP and crash points armed from the environment. */
  readonly testHooks?: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly version: string;
  /** Sandbox: `identity-center` (the emulator through the real adapter; default) or `file`. */
  readonly sandboxTarget?: 'identity-center' | 'file';
  /** Sandbox: an Identity Center emulator already running; else one starts in-process. */
  readonly identityCenterEndpoint?: string;
  /** Sandbox: an OIDC provider (the Entra emulator) offered beside sandbox sign-in when the
   *  config has no auth.oidc. */
  readonly sandboxOidc?: SandboxOidcProvider;
}

export interface RunningServer {
  /** The OIDC issuer people sign in with, when OIDC sign-in is on. */
  readonly oidcIssuer?: string;
  /** Where access lands, for people: the emulator's URL or the sandbox file. */
  readonly targetDescription: string;
  readonly url: string;
  readonly app: App;
  readonly store: Store;
  /** The sandbox's Entra emulator (PIM, Graph, sign-in); absent in live mode. */
  readonly entra?: SandboxClouds['entra'];
  close(): Promise<void>;
}

/** Builds and starts everything; the first controller pass has converged when this resolves. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { config, env } = options;
  if (config.mode === 'live') refuseSandboxOptions(options);
  const logger = pino(
    {
      level: env['JIT_LOG_LEVEL'] ?? 'info',
      base: { service: 'jit-access' },
      redact: {
        paths: [
          'token',
          '*.token',
          'secret',
          '*.secret',
          'authorization',
          '*.authorization',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
  const realClock: Clock = { now: () => Date.now() };
  const clock = options.testHooks ? new SettableClock({ base: () => Date.now() }) : undefined;
  const businessClock: Clock = clock ?? realClock;
  const startAt = env['JIT_TEST_CLOCK'];
  if (clock && startAt) {
    const at = Date.parse(startAt);
    if (Number.isNaN(at))
      throw new JitError(
        'ERR_INVALID_INPUT',
        `JIT_TEST_CLOCK: ${JSON.stringify(startAt)} is not an ISO 8601 time`,
      );
    clock.set(at);
  }

  if (config.mode === 'live') await preflight(config, env, logger);
  const databaseUrl = readSecret({ env }, 'DATABASE_URL');
  const store = await openStore(
    databaseUrl ? { databaseUrl } : { sqlitePath: config.store.sqlitePath },
  );
  const stateDir = dirname(resolve(config.store.sqlitePath));
  // Read at scrape time: the store's counts, and whether this process leads.
  const metrics = new PrometheusMetrics({
    grantsByStatus: () => store.countGrantsByStatus(),
    revocationsByStatus: () => store.countRevocationsByStatus(),
    isLeader: () => controller.isLeader,
  });
  const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
  // eslint-disable-next-line prefer-const -- assigned once below; the revoker asks it first
  let controller: Controller;
  const cloudOptions = {
    config,
    env,
    clock: businessClock,
    sleep,
    onAlert: (message: string) => {
      logger.warn({ alert: message }, message);
    },
    // Bound late: the controller is built below, once the revoker it drives exists.
    stillLeading: () => controller.confirmLeadership(),
    metrics,
  };
  let clouds: Clouds;
  let sandbox: SandboxClouds | undefined;
  try {
    if (config.mode === 'live') {
      clouds = await connectLiveClouds({
        ...cloudOptions,
        logger: logger.child({ component: 'live' }),
      });
    } else {
      // Loaded only here: a live server never has the emulators in its process.
      const { startSandboxClouds } = await import('./sandbox/sandbox-clouds.js');
      sandbox = await startSandboxClouds({
        ...cloudOptions,
        logger: logger.child({ component: 'entra-emulator' }),
        stateDir,
        ...(options.sandboxTarget ? { target: options.sandboxTarget } : {}),
        ...(options.identityCenterEndpoint
          ? { identityCenterEndpoint: options.identityCenterEndpoint }
          : {}),
        ...(options.sandboxOidc ? { oidc: options.sandboxOidc } : {}),
      });
      clouds = sandbox;
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  const { target, revoker, directory } = clouds;
  const sandboxLogin = sandbox
    ? new SandboxTokens({
        secret: Buffer.from(
          await store.setSettingIfAbsent('sandbox-token-secret', randomBytes(32).toString('hex')),
          'hex',
        ),
        directory,
        admins: config.admins,
        clock: businessClock,
      })
    : undefined;

  let listenUrl = '';
  const oidc = buildOidcLogin({
    config,
    env,
    store,
    directory,
    clock: businessClock,
    wallClock: realClock,
    logger: logger.child({ component: 'oidc' }),
    listenUrl: () => listenUrl,
    // Sandbox: sign-in through the Entra emulator's OIDC endpoints unless told otherwise.
    ...(sandbox ? { sandboxProvider: sandbox.oidcProvider } : {}),
  });
  if (oidc === undefined && sandboxLogin === undefined) {
    await clouds.close();
    await store.close();
    throw new JitError(
      'ERR_INVALID_CONFIG',
      'auth.oidc: missing; mode: live signs people in with OIDC',
    );
  }

  const faults = options.testHooks ? crashPoints(env['JIT_TEST_CRASH_AT'], logger) : undefined;
  const reconciler = new Reconciler({
    store,
    target,
    revoker,
    roles: config.roles,
    clock: businessClock,
    random: Math.random,
    sleep,
    logger,
    metrics,
    ...(clouds.failSafe ? { failSafe: clouds.failSafe } : {}),
    ...(faults ? { faults } : {}),
    options: {
      maxConcurrency: config.server.controller.maxConcurrency,
      pollIntervalMs: 100,
      pendingRequestTtlMs: config.server.pendingRequestTtl,
    },
    stillEligible: async (grant) => {
      const role = config.roles.get(grant.role);
      if (!role) return false;
      const user = await directory.findUser(grant.principal);
      return inPrincipalSet(role.eligibility.members, {
        id: grant.principal,
        groups: user?.groups ?? [],
      });
    },
  });
  controller = new Controller({
    reconciler,
    store,
    clock: businessClock,
    wallClock: realClock,
    logger,
    options: {
      sweepIntervalMs: config.server.controller.sweepInterval,
      leaseTtlMs: 15_000,
      holder: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      isHolderAlive,
    },
    changeMarker: async () => (await store.auditHead()).seq,
    onPass: (result) => {
      const failed = result.outcomes.filter((o) => o.result === 'failed').length;
      metrics.reconcilePass((result.finishedAt - result.startedAt) / 1000, failed);
    },
    onPassFailed: () => {
      metrics.reconcilePassFailed();
    },
  });
  const workflow = new WorkflowService({
    store,
    roles: config.roles,
    admins: config.admins,
    clock: businessClock,
    ids: randomIds(() => realClock.now()),
    logger,
    mfaMaxAge: config.server.mfaMaxAge,
    maxOpenGrantsPerPerson: config.server.maxOpenGrantsPerPerson,
    onChange: () => {
      controller.kick();
    },
  });
  const incidents = new IncidentService({
    store,
    roles: config.roles,
    directory,
    target,
    ...(clouds.activationRevoker ? { activationRevoker: clouds.activationRevoker } : {}),
    ...(oidc
      ? {
          signIns: {
            count: async (principal: string) => (await oidc.login.sessions.list(principal)).length,
            endAll: (principal: string, actor: string, reason: string) =>
              oidc.login.sessions.revokeAllOf(principal, actor, reason),
          },
        }
      : {}),
    clock: businessClock,
    ids: randomIds(() => realClock.now()),
    logger,
    runPass: async () => (await controller.runOnce()) !== undefined,
    sleep,
  });
  clock?.onChange(() => {
    controller.kick();
  });
  const mirror = new PimMirror({
    store,
    roles: config.roles,
    clock: businessClock,
    ids: randomIds(() => realClock.now()),
    logger,
    onChange: () => {
      controller.kick();
    },
  });
  const watcher = new ActivationWatcher({
    wallClock: realClock,
    source: clouds.activationSource,
    mirror,
    isLeader: () => controller.isLeader,
    logger,
    intervalMs: config.entra?.pollInterval ?? 10_000,
  });

  const app = await createApp({
    mode: config.mode,
    workflow,
    incidents,
    metrics: { registry: metrics, token: readSecret({ env }, 'JIT_METRICS_TOKEN') },
    store,
    directory,
    authenticator: authenticatorOf(sandboxLogin, oidc?.authenticator),
    ...(sandboxLogin ? { sandboxLogin } : {}),
    ...(oidc ? { oidc: oidc.login } : {}),
    ...(config.auth.oidc?.cliClientId ? { cliClientId: config.auth.oidc.cliClientId } : {}),
    ...(sandbox ? { sandboxTarget: { held: () => sandbox.held() } } : {}),
    ...(clouds.pim ? { pim: clouds.pim } : {}),
    trustProxy: config.server.trustProxy,
    clock: businessClock,
    version: options.version,
    // Warnings and errors only: Fastify's per-request lines would record full URLs.
    logger: logger.child(
      { component: 'api' },
      { level: logger.levelVal > 40 ? logger.level : 'warn' },
    ),
    controllerStatus: () => ({
      leader: controller.isLeader,
      ...(controller.lastResult ? { lastPass: controller.lastResult } : {}),
    }),
    ...(clock
      ? {
          testHooks: {
            token: await writeTestHookToken(stateDir),
            clock,
            reconcile: () => controller.runOnce(),
            pollActivations: () => watcher.pollNow(),
          },
        }
      : {}),
  });

  if (sandboxLogin)
    logger.warn(
      { mode: config.mode },
      'sandbox sign-in is ON: anyone can sign in as any directory user; never use it against real AWS',
    );
  let checkpoints: AuditCheckpointWriter | undefined;
  let address: string;
  try {
    checkpoints = await startUp();
    address = await app.listen({
      host: options.host ?? config.server.host,
      port: options.port ?? config.server.port,
    });
  } catch (error) {
    // A port in use, a bad signing key, an unreachable store: stop what started (the
    // controller's timers, the emulators' servers) so the process can exit with the error.
    await watcher.stop().catch(() => undefined);
    await controller.stop().catch(() => undefined);
    await app.close().catch(() => undefined);
    await checkpoints?.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    await clouds.close().catch(() => undefined);
    throw error;
  }

  /** Everything that runs before the server listens: the first pass, checkpoints, the
   *  first PIM poll. */
  async function startUp(): Promise<AuditCheckpointWriter | undefined> {
    await controller.start();
    const checkpointKey = await loadCheckpointKey({
      ...(env['JIT_AUDIT_SIGNING_KEY_FILE'] ? { keyFile: env['JIT_AUDIT_SIGNING_KEY_FILE'] } : {}),
      // The sandbox signs with a key of its own; live mode only with the operator's.
      ...(sandbox ? { sandboxKeyFile: join(stateDir, 'audit-signing-key.pem') } : {}),
    });
    if (checkpointKey === undefined)
      logger.warn(
        { check: 'audit.checkpoints' },
        'audit checkpoints are off: without JIT_AUDIT_SIGNING_KEY_FILE (an Ed25519 PKCS#8 PEM key) someone with write access to the database can rewrite the audit chain undetected',
      );
    const writer = checkpointKey
      ? new AuditCheckpointWriter({
          head: () => store.auditHead(),
          file: config.audit.checkpoints.file,
          privateKey: checkpointKey,
          clock: realClock,
          intervalMs: config.audit.checkpoints.interval,
          logger,
        })
      : undefined;
    await writer?.start();
    // The first poll mirrors PIM (and ends grants of roles no longer in PIM) before the server
    // listens, as the first pass converges.
    await watcher.pollNow();
    if (mirror.groups.length > 0) watcher.start();
    return writer;
  }
  listenUrl = address;
  const emf = config.server.metrics.emf.enabled
    ? startEmfWriter({
        registry: metrics.registry,
        namespace: config.server.metrics.emf.namespace,
        intervalMs: config.server.metrics.emf.interval,
      })
    : undefined;
  if (oidc) {
    // Early word on a wrong issuer; sign-in retries discovery, so this is not fatal.
    const discovered = await oidc.login.provider.discover();
    if (!discovered.ok)
      logger.warn({ issuer: oidc.login.provider.issuer }, discovered.refusal.message);
  }
  logger.info(
    {
      url: address,
      store: store.dialect,
      target: target.name,
      testHooks: options.testHooks === true,
    },
    'jit serve is listening',
  );

  return {
    url: address,
    targetDescription: clouds.description,
    ...(oidc ? { oidcIssuer: oidc.login.provider.issuer } : {}),
    app,
    store,
    ...(sandbox ? { entra: sandbox.entra } : {}),
    async close() {
      await emf?.stop();
      await watcher.stop();
      await controller.stop();
      await app.close();
      await checkpoints?.stop();
      await store.close();
      await clouds.close();
      logger.flush();
    },
  };
}

/** `jit doctor`'s checks before a live start: a failed critical check (one without which
 *  access could not be removed, or sessions not ended) stops the start; others are logged. */
async function preflight(
  config: JitConfig,
  env: NodeJS.ProcessEnv,
  logger: pino.Logger,
): Promise<void> {
  const { runDoctor } = await import('./live/doctor.js');
  const report = await runDoctor({ config, env, clock: { now: () => Date.now() } });
  const failed = report.rows.filter((row) => row.status !== 'ok');
  for (const row of failed.filter((r) => !r.critical))
    logger.warn({ check: row.id, fix: row.fix }, `${row.check}: ${row.detail}`);
  const critical = failed.filter((row) => row.critical);
  if (critical.length === 0) return;
  throw new JitError(
    'ERR_TARGET',
    `refusing to start in live mode: ${String(critical.length)} check(s) failed without which access could not be removed safely (run jit doctor for the full table):\n${critical
      .map(
        (row) =>
          `  - ${row.check}: ${row.detail}${row.fix === undefined ? '' : `\n    fix: ${row.fix}`}`,
      )
      .join('\n')}`,
  );
}

/** What only the sandbox has: refused in live mode with what to do instead. */
function refuseSandboxOptions(options: ServeOptions): void {
  const refuse = (what: string): never => {
    throw new JitError(
      'ERR_SANDBOX_ONLY',
      `${what} is sandbox only; mode: live runs against real AWS and Entra and has no test hooks or emulators`,
    );
  };
  if (options.testHooks) refuse('--test-hooks (a settable clock and crash points)');
  if (options.sandboxTarget !== undefined) refuse('--sandbox-target');
  if (options.identityCenterEndpoint !== undefined)
    refuse(
      '--identity-center-endpoint (an emulator); point the AWS SDK at an endpoint with AWS_ENDPOINT_URL_* instead, if you must',
    );
  if (options.sandboxOidc !== undefined) refuse('the sandbox identity provider');
  for (const name of ['JIT_TEST_CLOCK', 'JIT_TEST_CRASH_AT', 'JIT_SANDBOX_TARGET'])
    if (options.env[name] !== undefined && options.env[name] !== '')
      refuse(`${name} (a test hook; unset it)`);
}

function authenticatorOf(
  sandboxLogin: SandboxTokens | undefined,
  oidc: Authenticator | undefined,
): Authenticator {
  if (sandboxLogin && oidc) return combineAuthenticators([sandboxLogin, oidc]);
  const only = sandboxLogin ?? oidc;
  if (only === undefined)
    throw new JitError('ERR_INVALID_CONFIG', 'no way to sign in is configured');
  return only;
}

/** A fresh token for the sandbox test hooks, in a file only this user can read: the tests
 *  that drive the server read it there. */
async function writeTestHookToken(stateDir: string): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFile(join(stateDir, 'test-hooks.token'), token, { mode: 0o600 });
  return token;
}

/** A holder named `host:pid:…` on this host is alive while its process exists. Holders on
 *  other hosts cannot be checked and count as alive (their lease expires on its own). */
function isHolderAlive(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || pid === undefined || !/^\d+$/.test(pid)) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills the process at the named point: lets tests prove that a crash converges. */
function crashPoints(armed: string | undefined, logger: pino.Logger): FaultPoints | undefined {
  if (!armed) return undefined;
  return {
    hit(point: FaultPoint) {
      if (point !== armed) return;
      logger.warn({ point }, 'test hook: crashing on purpose');
      logger.flush();
      process.kill(process.pid, 'SIGKILL');
    },
  };
}
