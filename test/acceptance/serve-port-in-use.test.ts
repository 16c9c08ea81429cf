// Acceptance: `jit serve` on a port another process holds says so in one line and exits
// (review: it used to print the line and stay up, its emulators and controller still running).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JitServer, runJit, Workspace } from '../support/jit-process.js';
import { acceptanceConfig } from '../support/test-config.js';

let ws: Workspace;
let server: JitServer;

beforeAll(async () => {
  ws = await Workspace.create(acceptanceConfig);
  server = await JitServer.start(ws, { target: 'identity-center' });
}, 60_000);

afterAll(async () => {
  await server.stop();
  await ws.dispose();
});

describe('jit serve on a port in use', () => {
  it('exits 1 with the fix, having stopped everything it started', async () => {
    const port = new URL(server.url).port;
    const second = await Workspace.create(acceptanceConfig);
    try {
      const result = await runJit(
        ['serve', '--config', second.configPath, '--port', port],
        { JIT_LOG_LEVEL: 'error' },
        second.dir,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `port ${port} is in use; stop the other process or pass --port`,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      await second.dispose();
    }
    // The first server is untouched.
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
  }, 60_000);
});
