// The composition root of `jit serve`: reads the environment, builds the clock, logger,
// store, target, workflow, controller and API, and runs them. Nothing else in src/ reads
// the environment or the real clock.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pino from 'pino';
import { FileAccessTarget } from './adapters/local/file-access-target.js';
import { ConfigDirectory } from './adapters/local/config-directory.js';
import { combineAuthenticators } from './api/auth/authenticator.js';
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
import { NoopSessionRevoker, type SessionRevoker } from './ports/session-revoker.js';
import type { AccessTarget } from './ports/access-target.js';
import type { Entitlement } from './core/grant.js';
import { inPrincipalSet } from './core/role.js';
import { startIdentityCenterSandbox } from './sandbox/identity-center-sandbox.js';
import { startEntraSandbox, type EntraSandbox } from './sandbox/entra-sandbox.js';
import { ActivationWatcher } from './controller/activation-watcher.js';
import { AuditCheckpointWriter, loadCheckpointKey } from './audit/checkpoint-writer.js';
import { PimMirror } from './controller/pim-mirror.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
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
  /** The sandbox's Entra emulator (PIM, Graph, sign-in). */
  readonly entra: EntraSandbox['emulator'];
  close(): Promise<void>;
}

/** Builds and starts everything; the first controller pass has converged when this resolves. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { config, env } = options;
  if (config.mode !== 'sandbox') {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      'mode: live needs the Identity Center adapter wiring, which this version does not have yet; sandbox sign-in is never allowed against a live target. Use mode: sandbox',
    );
  }
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

  const databaseUrl = readSecret({ env }, 'DATABASE_URL');
  const store = await openStore(
    databaseUrl ? { databaseUrl } : { sqlitePath: config.store.sqlitePath },
  );
  const stateDir = dirname(resolve(config.store.sqlitePath));
  const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
  let target: AccessTarget;
  let held: () => Promise<readonly Entitlement[]>;
  let closeTarget = (): Promise<void> => Promise.resolve();
  let revoker: SessionRevoker = new NoopSessionRevoker();
  // eslint-disable-next-line prefer-const -- assigned once below; the revoker asks it first
  let controller: Controller;
  let targetDescription: string;
  let scim: { url: string; token: string } | undefined;
  if (options.sandboxTarget === 'file') {
    const path = env['JIT_SANDBOX_TARGET'] ?? join(stateDir, 'sandbox-target.json');
    const fileTarget = new FileAccessTarget({ path, clock: businessClock });
    target = fileTarget;
    held = () => Promise.resolve(fileTarget.snapshot());
    targetDescription = `sandbox file ${path}`;
  } else {
    const sandbox = await startIdentityCenterSandbox({
      config,
      clock: businessClock,
      sleep,
      ...(options.identityCenterEndpoint ? { endpoint: options.identityCenterEndpoint } : {}),
      onAlert: (message) => {
        logger.warn({ alert: message }, message);
      },
      // Bound late: the controller is built below, once the revoker it drives exists.
      stillLeading: () => controller.confirmLeadership(),
    });
    target = sandbox.target;
    revoker = sandbox.revoker;
    scim = sandbox.scim;
    held = () => sandbox.held();
    closeTarget = () => sandbox.close();
    targetDescription = `Identity Center emulator at ${sandbox.endpoint} (real AWS SDK adapter)`;
  }
  let entra: EntraSandbox;
  try {
    entra = await startEntraSandbox({
      config,
      clock: businessClock,
      logger: logger.child({ component: 'entra-emulator' }),
      ...(scim ? { scim } : {}),
    });
  } catch (error) {
    await closeTarget();
    throw error;
  }
  const closeEmulators = async (): Promise<void> => {
    await entra.close();
    await closeTarget();
  };
  const directory = new ConfigDirectory(config.directory);
  const secretHex = await store.setSettingIfAbsent(
    'sandbox-token-secret',
    randomBytes(32).toString('hex'),
  );
  const sandboxLogin = new SandboxTokens({
    secret: Buffer.from(secretHex, 'hex'),
    directory,
    admins: config.admins,
    clock: businessClock,
  });

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
    sandboxProvider: options.sandboxOidc ?? {
      issuer: entra.emulator.issuer,
      clientId: entra.emulator.app.clientId,
      clientSecret: entra.emulator.app.clientSecret,
    },
  });

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
    source: entra.adapters.activationSource,
    mirror,
    isLeader: () => controller.isLeader,
    logger,
    intervalMs: config.entra?.pollInterval ?? 10_000,
  });

  const app = await createApp({
    mode: config.mode,
    workflow,
    store,
    directory,
    authenticator: oidc ? combineAuthenticators([sandboxLogin, oidc.authenticator]) : sandboxLogin,
    sandboxLogin,
    ...(oidc ? { oidc: oidc.login } : {}),
    ...(config.auth.oidc?.cliClientId ? { cliClientId: config.auth.oidc.cliClientId } : {}),
    sandboxTarget: { held },
    pim: {
      issuer: entra.emulator.issuer,
      clientId: entra.emulator.app.clientId,
      graphUrl: entra.emulator.graphUrl,
      allowInsecureRequests: true,
      roles: () =>
        Promise.resolve(
          [...config.roles.values()].flatMap((role) => {
            const groupId = entra.groups.get(role.name);
            return groupId === undefined
              ? []
              : [{ role: role.name, group: role.entraGroup ?? role.group, groupId }];
          }),
        ),
    },
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

  logger.warn(
    { mode: config.mode },
    'sandbox sign-in is ON: anyone can sign in as any directory user; never use it against real AWS',
  );
  await controller.start();
  const checkpointKey = await loadCheckpointKey({
    ...(env['JIT_AUDIT_SIGNING_KEY_FILE'] ? { keyFile: env['JIT_AUDIT_SIGNING_KEY_FILE'] } : {}),
    // This composition is the sandbox's (live mode is refused above): a key of its own.
    sandboxKeyFile: join(stateDir, 'audit-signing-key.pem'),
  });
  const checkpoints = checkpointKey
    ? new AuditCheckpointWriter({
        head: () => store.auditHead(),
        file: config.audit.checkpoints.file,
        privateKey: checkpointKey,
        clock: realClock,
        intervalMs: config.audit.checkpoints.interval,
        logger,
      })
    : undefined;
  await checkpoints?.start();
  // The first poll mirrors PIM (and ends grants of roles no longer in PIM) before the server
  // listens, as the first pass converges.
  await watcher.pollNow();
  if (mirror.groups.length > 0) watcher.start();
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const address = await app.listen({ host, port });
  listenUrl = address;
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
    targetDescription,
    ...(oidc ? { oidcIssuer: oidc.login.provider.issuer } : {}),
    app,
    store,
    entra: entra.emulator,
    async close() {
      await watcher.stop();
      await controller.stop();
      await app.close();
      await checkpoints?.stop();
      await store.close();
      await closeEmulators();
      logger.flush();
    },
  };
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
