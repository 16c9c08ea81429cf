// For tests of the API and the CLI only: the app over a real SQLite store in a temporary
// folder, the acceptance config, sandbox sign-in and a settable clock. Not wired anywhere.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptanceConfig } from './test-config.js';
import { ConfigDirectory } from '../../src/adapters/local/config-directory.js';
import { parseConfig, type JitConfig } from '../../src/config/index.js';
import { SettableClock } from '../../src/ports/clock.js';
import { SequentialIds } from '../../src/ports/ids.js';
import { silentLogger } from '../../src/ports/logger.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { WorkflowService } from '../../src/workflow/workflow-service.js';
import { SandboxTokens } from '../../src/api/auth/sandbox-tokens.js';
import { createApp, type App, type AppDeps } from '../../src/api/create-app.js';

/** The test hooks' token in these apps (jit serve makes a random one). */
export const TEST_HOOK_TOKEN = 'test-hook-token';

/** 2026-11-28T10:00:00Z: the tests' fixed start. */
export const TEST_START = Date.parse('2026-11-28T10:00:00Z');

export interface TestAppOptions {
  /** Overrides of the app's dependencies (logger, rate limit, test hooks, ...). */
  readonly deps?: (base: AppDeps) => AppDeps;
  /** Wire the sandbox test hooks (set the clock, run a pass). Default true. */
  readonly testHooks?: boolean;
}

export interface TestApp {
  readonly app: App;
  readonly dir: string;
  readonly configPath: string;
  readonly config: JitConfig;
  readonly store: Store;
  readonly clock: SettableClock;
  readonly tokens: SandboxTokens;
  readonly workflow: WorkflowService;
  /** The dependencies createApp was given. */
  readonly deps: AppDeps;
  /** Signs in as a directory user through the API; returns the token. */
  login(user: string): Promise<string>;
  close(): Promise<void>;
}

/** The acceptance config parsed for a store in `dir`. */
export function testConfig(dir: string): JitConfig {
  const parsed = parseConfig(acceptanceConfig(dir), 'test.yaml');
  if (!parsed.ok) throw new Error(`the test config is invalid: ${parsed.errors.join('; ')}`);
  return parsed.config;
}

/** Builds the whole app in a fresh temporary folder. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'jit-api-'));
  const configPath = join(dir, 'jit.config.yaml');
  await writeFile(configPath, acceptanceConfig(dir));
  const config = testConfig(dir);
  const store = await openStore({ sqlitePath: config.store.sqlitePath });
  const clock = new SettableClock({ fixed: TEST_START });
  const directory = new ConfigDirectory(config.directory);
  const tokens = new SandboxTokens({
    secret: new TextEncoder().encode('test-secret-of-at-least-32-bytes!!'),
    directory,
    admins: config.admins,
    clock,
  });
  const workflow = new WorkflowService({
    store,
    roles: config.roles,
    admins: config.admins,
    clock,
    ids: new SequentialIds(),
    logger: silentLogger,
    mfaMaxAge: config.server.mfaMaxAge,
  });
  const base: AppDeps = {
    mode: 'sandbox',
    workflow,
    store,
    directory,
    authenticator: tokens,
    sandboxLogin: tokens,
    clock,
    version: '0.0.0-test',
    sandboxTarget: { held: () => Promise.resolve([]) },
    ...(options.testHooks === false
      ? {}
      : {
          testHooks: {
            token: TEST_HOOK_TOKEN,
            clock,
            reconcile: () => Promise.resolve(undefined),
          },
        }),
  };
  const deps = options.deps ? options.deps(base) : base;
  const app = await createApp(deps);
  return {
    app,
    dir,
    configPath,
    config,
    store,
    clock,
    tokens,
    workflow,
    deps,
    async login(user) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/auth/sandbox-login',
        payload: { user },
      });
      if (response.statusCode !== 200) throw new Error(`login as ${user}: ${response.body}`);
      return response.json<{ token: string }>().token;
    },
    async close() {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
