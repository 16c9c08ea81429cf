// Child process for the API benchmark: the real app (SQLite store, rate limit off) and a bare
// Fastify route, both on loopback; prints their URLs and a token as one JSON line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { ConfigDirectory } from '../src/adapters/local/config-directory.js';
import { SandboxTokens } from '../src/api/auth/sandbox-tokens.js';
import { createApp } from '../src/api/create-app.js';
import { parseConfig } from '../src/config/index.js';
import { SequentialIds } from '../src/ports/ids.js';
import { silentLogger } from '../src/ports/logger.js';
import { openStore } from '../src/store/open-store.js';
import { WorkflowService } from '../src/workflow/workflow-service.js';
import { BENCH_USERS, benchConfig } from './bench-config.js';

const dir = mkdtempSync(join(tmpdir(), 'jit-bench-api-'));
const loaded = parseConfig(benchConfig(join(dir, 'jit.db')), 'bench.yaml');
if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
const config = loaded.config;
const clock = { now: () => Date.now() };
const store = await openStore({ sqlitePath: config.store.sqlitePath });
const directory = new ConfigDirectory(config.directory);
const tokens = new SandboxTokens({
  secret: new Uint8Array(32).fill(7),
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
  maxOpenGrantsPerPerson: config.server.maxOpenGrantsPerPerson,
});
const app = await createApp({
  mode: 'sandbox',
  workflow,
  store,
  directory,
  authenticator: tokens,
  sandboxLogin: tokens,
  clock,
  version: 'bench',
  rateLimit: false,
});
const appUrl = await app.listen({ host: '127.0.0.1', port: 0 });
const bare = Fastify();
bare.get('/bare', () => ({ ok: true }));
bare.post('/bare', () => ({ ok: true }));
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
const people: string[] = [];
for (let i = 0; i < BENCH_USERS; i += 1) {
  const login = await tokens.login(`u${i}`);
  if (!login.ok) throw new Error(login.refusal.message);
  people.push(login.value.token);
}
process.stdout.write(`${JSON.stringify({ appUrl, bareUrl, tokens: people })}\n`);
process.on('SIGINT', () => process.exit(0));
