// Runs the built `jit` as separate processes for acceptance tests: servers (with sandbox
// test hooks) and CLI invocations, each user with their own credentials folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** The repository: two folders up from here, or three when running compiled (the
 *  benchmarks import this from dist/test/support/). */
const UP = join(import.meta.dirname, '..', '..');
export const ROOT = basename(UP) === 'dist' ? join(UP, '..') : UP;
export const JIT = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temporary folder holding a config, its SQLite store and the sandbox target file. */
export class Workspace {
  private constructor(readonly dir: string) {}

  static async create(configYaml: (dir: string) => string): Promise<Workspace> {
    const dir = await mkdtemp(join(tmpdir(), 'jit-acceptance-'));
    const ws = new Workspace(dir);
    await writeFile(ws.configPath, configYaml(dir));
    return ws;
  }

  get configPath(): string {
    return join(this.dir, 'jit.config.yaml');
  }

  get dbPath(): string {
    return join(this.dir, 'jit.db');
  }

  get targetPath(): string {
    return join(this.dir, 'sandbox-target.json');
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export interface ServerOptions {
  readonly env?: Record<string, string>;
  /** Where access lands: the sandbox file (default here: it survives the server) or the
   *  in-process Identity Center emulator. */
  readonly target?: 'file' | 'identity-center';
  /** Initial sandbox clock (JIT_TEST_CLOCK). */
  readonly clock?: string;
  /** An Identity Center emulator already running (`EmulatorProcess`), which then outlives
   *  the server as AWS would. Implies `target: 'identity-center'`. */
  readonly identityCenterEndpoint?: string;
  /** Live mode: `jit serve` with only the config and the environment (no test hooks, no
   *  sandbox flags, no sandbox variables), on `port`. */
  readonly live?: {
    readonly port: number;
    /** The CLI's entry point; default this checkout's build (`dist/src/cli/main.js`). */
    readonly entry?: string;
  };
}

export class JitServer {
  #exit: Promise<number | null>;
  #stderr = '';
  #token: string | undefined;

  private constructor(
    readonly process: ChildProcess,
    readonly url: string,
    exit: Promise<number | null>,
    /** Where the store (and the test-hook token) lives: the workspace folder. */
    readonly stateDir: string,
  ) {
    this.#exit = exit;
  }

  /** Starts `jit serve --test-hooks` on a free port and waits until it listens. */
  static async start(ws: Workspace, options: ServerOptions = {}): Promise<JitServer> {
    const args = options.live
      ? [
          options.live.entry ?? JIT,
          'serve',
          '--config',
          ws.configPath,
          '--port',
          String(options.live.port),
        ]
      : [
          JIT,
          'serve',
          '--config',
          ws.configPath,
          '--port',
          '0',
          '--test-hooks',
          '--sandbox-target',
          options.identityCenterEndpoint ? 'identity-center' : (options.target ?? 'file'),
          ...(options.identityCenterEndpoint
            ? ['--identity-center-endpoint', options.identityCenterEndpoint]
            : []),
        ];
    const child = spawn(process.execPath, args, {
      cwd: ws.dir,
      env: {
        ...process.env,
        NO_COLOR: '1',
        JIT_LOG_LEVEL: 'warn',
        ...(options.live ? {} : { JIT_SANDBOX_TARGET: ws.targetPath }),
        ...(options.clock ? { JIT_TEST_CLOCK: options.clock } : {}),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exit = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        resolve(code);
      }),
    );
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`jit serve did not start in 20 s:\n${stdout}\n${stderr}`));
      }, 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (http:\/\/[\d.:]+)/.exec(stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      void exit.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(
            `jit serve exited with ${String(code)} before listening:\n${stdout}\n${stderr}`,
          ),
        );
      });
    });
    const server = new JitServer(child, url, exit, ws.dir);
    server.#stderr = stderr;
    // Read now: replicas sharing the folder each write their own token to the same file.
    if (!options.live) server.#token = server.#hookToken();
    child.stderr.on('data', (chunk: Buffer) => {
      server.#stderr += chunk.toString();
    });
    return server;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The test hooks' token, which `jit serve --test-hooks` writes beside its store. */
  #hookToken(): string {
    return this.#token ?? readFileSync(join(this.stateDir, 'test-hooks.token'), 'utf8');
  }

  /** Resolves with the exit code (null when killed by a signal). */
  exited(): Promise<number | null> {
    return this.#exit;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null)
      this.process.kill(signal);
    await this.#exit;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
  }

  async post<T = unknown>(
    path: string,
    body: unknown = {},
    token?: string,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(new URL(path, this.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(path.startsWith('/v1/sandbox/') ? { 'x-jit-test-hook': this.#hookToken() } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async get<T = unknown>(path: string, token?: string): Promise<{ status: number; body: T }> {
    const response = await fetch(new URL(path, this.url), {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async token(user: string): Promise<string> {
    const { body } = await this.post<{ token: string }>('/v1/auth/sandbox-login', { user });
    return body.token;
  }

  /** Moves the server's clock (sandbox test hook). */
  async advance(duration: string): Promise<void> {
    await this.post('/v1/sandbox/clock', { advance: duration });
  }

  async setClock(iso: string): Promise<void> {
    await this.post('/v1/sandbox/clock', { now: iso });
  }

  /** Runs one controller pass and returns its result. */
  async reconcile(): Promise<{ transitions: number; outcomes: unknown[] }> {
    return (await this.post<{ transitions: number; outcomes: unknown[] }>('/v1/sandbox/reconcile'))
      .body;
  }
}

/** `jit emulate identity-center` as a process of its own, seeded from a config: it keeps its
 *  state while servers crash and restart around it. */
export class EmulatorProcess {
  private constructor(
    readonly process: ChildProcess,
    readonly url: string,
  ) {}

  static async start(configPath: string): Promise<EmulatorProcess> {
    const child = spawn(
      process.execPath,
      [JIT, 'emulate', 'identity-center', '--port', '0', '--config', configPath],
      { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`jit emulate did not start in 20 s:\n${output}`));
      }, 20_000);
      const read = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
        // Wait for the seed too: the line after the address says the config was applied.
        if (match?.[1] && /applied /.test(output)) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`jit emulate exited with ${String(code)}:\n${output}`));
      });
    });
    return new EmulatorProcess(child, url);
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    await exited;
  }
}

/** Runs `jit <args>` as a separate process. */
export function runJit(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd = ROOT,
): Promise<CliResult> {
  return runProcess(process.execPath, [JIT, ...args], cwd, env);
}

/** Runs a command to its end, colour off, and gives its exit code and output. */
export function runProcess(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A CLI user: their own JIT_HOME, pointed at one server. */
export class CliUser {
  private constructor(
    readonly name: string,
    readonly home: string,
    readonly server: string,
  ) {}

  static async login(name: string, server: JitServer, ws: Workspace): Promise<CliUser> {
    const user = new CliUser(name, join(ws.dir, `home-${name}`), server.url);
    const result = await user.run(['login', '--as', name]);
    if (result.code !== 0) throw new Error(`login as ${name} failed: ${result.stderr}`);
    return user;
  }

  run(args: readonly string[]): Promise<CliResult> {
    return runJit(args, { JIT_HOME: this.home, JIT_SERVER: this.server });
  }

  /** Runs with --json and parses standard output; throws with stderr on failure. */
  async json<T>(args: readonly string[]): Promise<T> {
    const result = await this.run(['--json', ...args]);
    if (result.code !== 0)
      throw new Error(`jit ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }
}

/** The environment of a deployment reaching AWS at `endpoint` (an emulator) the standard
 *  way: keys and region from variables, AWS_ENDPOINT_URL_* per service, no profile, no
 *  instance metadata. */
export function awsEnvironment(endpoint: string, dir: string): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAJITSANDBOX000000',
    AWS_SECRET_ACCESS_KEY: 'not-a-secret',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SSO_ADMIN: endpoint,
    AWS_ENDPOINT_URL_IDENTITYSTORE: endpoint,
    AWS_ENDPOINT_URL_ORGANIZATIONS: endpoint,
  };
}
