// `jit emulate entra` in-process: it prints what a client needs, refuses a port in use, and
// stops on SIGTERM.
import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { buildProgram } from './program.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  // eslint-disable-next-line no-control-regex
  return { stream, text: () => text.replace(/\u001b\[[0-9;]*m/g, '') };
}

function run(args: string[]): { done: Promise<unknown>; out: () => string } {
  const out = sink();
  const program = buildProgram({
    env: {},
    stdout: out.stream,
    stderr: sink().stream,
    now: Date.now,
    sleep: () => Promise.resolve(),
    version: 'test',
  });
  program.exitOverride();
  const done = program.parseAsync(['node', 'jit', ...args]).then(
    () => undefined,
    (error: unknown) => error,
  );
  return { done, out: out.text };
}

describe('jit emulate entra', () => {
  let busy: Server;
  let busyPort: number;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) =>
      busy.close(() => {
        resolve();
      }),
    );
  });

  it('refuses a port in use with a clear error', async () => {
    const error = await run(['emulate', 'entra', '--port', String(busyPort)]).done;
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(`port ${busyPort} is in use; pass another with --port`);
  });

  it('prints the URL, tenant, client id and secret, discovery and Graph URLs, and stops on SIGTERM', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) =>
      probe.close(() => {
        resolve();
      }),
    );
    const cli = run(['emulate', 'entra', '--port', String(port)]);
    for (let i = 0; i < 100 && !cli.out().includes('Stop with Ctrl-C.'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const text = cli.out();
    expect(text).toContain(`Entra emulator listening on http://127.0.0.1:${port}`);
    expect(text).toMatch(/tenant id +[0-9a-f-]{36}/);
    expect(text).toMatch(/client id +[0-9a-f-]{36}/);
    expect(text).toMatch(/client secret +\S+/);
    expect(text).toContain(`OIDC discovery http://127.0.0.1:${port}/`);
    expect(text).toContain(`Graph          http://127.0.0.1:${port}/v1.0`);
    const discovery = await fetch(
      `http://127.0.0.1:${port}/${/tenant id +(\S+)/.exec(text)?.[1] ?? ''}/v2.0/.well-known/openid-configuration`,
    );
    expect(discovery.status).toBe(200);
    process.emit('SIGTERM');
    expect(await cli.done).toBeUndefined();
  });
});
