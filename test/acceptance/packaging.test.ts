// Packaging: what can be proven here without a Docker engine. The Dockerfile is linted
// (dockerfile-utils, the parser behind VS Code's Docker support) and held to what a
// deployment relies on (several stages, Node 24, production dependencies only, a non-root
// user, a health check on /healthz); every file it copies exists and gets past
// .dockerignore. Then `npm pack` and a production install of the tarball, as the image and
// `npm install -g` make one: no development dependency comes along, both commands are
// linked, and the installed server runs in live mode against the emulators, where
// `jit doctor` from the installed package passes every check.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JitServer, ROOT, runProcess, type CliResult } from '../support/jit-process.js';
import { LiveWorld } from '../support/live-world.js';

const run = runProcess;

/** npm itself: the one running this suite when there is one, else the `npm` on PATH. */
function npm(args: readonly string[], cwd: string): Promise<CliResult> {
  const cli = process.env['npm_execpath'];
  return cli !== undefined && cli.endsWith('.js')
    ? run(process.execPath, [cli, ...args], cwd)
    : run('npm', args, cwd);
}

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

describe('the Dockerfile', () => {
  let text: string;
  let steps: Instruction[];

  beforeAll(async () => {
    text = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    steps = instructions(text);
  });

  it('passes the linter with no finding', () => {
    const findings = validate(text).map(
      (d) =>
        `line ${String(d.range.start.line + 1)}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
    );
    expect(findings).toEqual([]);
  });

  it('builds in stages on Node 24 and runs production dependencies as a non-root user', () => {
    const froms = steps.filter((s) => s.keyword === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from.args).toMatch(/^node:24[.-]/);
    const final = steps.slice(steps.lastIndexOf(froms.at(-1) as Instruction));
    // The runtime stage installs nothing itself: its node_modules come from `npm ci --omit=dev`.
    expect(final.some((s) => s.keyword === 'RUN' && /npm (ci|install)/.test(s.args))).toBe(false);
    expect(
      steps.some((s) => s.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(s.args)),
      'a stage that installs production dependencies only',
    ).toBe(true);
    const user = final.findLast((s) => s.keyword === 'USER');
    expect(user?.args).toBeDefined();
    expect(user?.args).not.toMatch(/^(root|0)(:|$)/);
    const entry = final.findIndex((s) => s.keyword === 'ENTRYPOINT');
    expect(final.indexOf(user as Instruction)).toBeLessThan(entry);
    expect(final.find((s) => s.keyword === 'HEALTHCHECK')?.args).toMatch(/\/healthz/);
    expect(final.find((s) => s.keyword === 'ENTRYPOINT')?.args).toMatch(/dist\/src\/cli\/main\.js/);
  });

  it('copies only files that exist and that .dockerignore lets through', async () => {
    const ignore = (await readFile(join(ROOT, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    // Everything is ignored, then each path the build needs is let back in.
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((line) => line.startsWith('!')).map((line) => line.slice(1));
    const sources = steps
      .filter((s) => s.keyword === 'COPY' && !s.args.includes('--from='))
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true);
      expect(
        allowed.some((path) => source === path || source.startsWith(`${path}/`)),
        `${source} is let through .dockerignore`,
      ).toBe(true);
    }
  });
});

describe('npm pack and a production install', () => {
  let dir: string;
  let app: string;
  let installed: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jit-pack-'));
    const packed = await npm(['pack', '--pack-destination', dir, '--json'], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const [{ filename } = { filename: '' }] = JSON.parse(packed.stdout) as { filename: string }[];
    app = join(dir, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), '{"name":"jit-deployment","private":true}\n');
    const install = await npm(
      ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(dir, filename)],
      app,
    );
    expect(install.code, install.stderr).toBe(0);
    installed = join(app, 'node_modules', 'jit-access');
  }, 180_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('installs no development dependency and links both commands', async () => {
    for (const dev of ['typescript', 'vitest', 'eslint', 'prettier', 'dockerfile-utils'])
      expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    const main = join(installed, 'dist', 'src', 'cli', 'main.js');
    for (const bin of ['jit', 'jit-access'])
      expect(await realpath(join(app, 'node_modules', '.bin', bin))).toBe(await realpath(main));
    const version = await run(process.execPath, [main, '--version'], app);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(version.stdout.trim()).toBe(pkg.version);
    expect(existsSync(join(installed, 'dist', 'src', 'cli', 'program.test.js'))).toBe(false);
  });

  describe('runs live mode from the installed package', () => {
    let world: LiveWorld;
    let server: JitServer;

    beforeAll(async () => {
      world = await LiveWorld.start();
      server = await JitServer.start(world.ws, {
        live: { port: world.port, entry: join(installed, 'dist', 'src', 'cli', 'main.js') },
        env: world.env(),
      });
    }, 60_000);

    afterAll(async () => {
      await server.stop();
      await world.close();
    });

    it('serves /healthz in live mode, and jit doctor passes every check', async () => {
      const health = await server.get<Record<string, unknown>>('/healthz');
      expect(health.body).toMatchObject({ status: 'ok', mode: 'live' });
      const doctor = await run(
        process.execPath,
        [
          join(installed, 'dist', 'src', 'cli', 'main.js'),
          '--json',
          'doctor',
          '--config',
          world.ws.configPath,
        ],
        world.ws.dir,
        world.env(),
      );
      expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
      expect((JSON.parse(doctor.stdout) as { ok: boolean }).ok).toBe(true);
    });
  });
});
