// `jit check`: the posture rules on a config (src/check/), as a table, --json or SARIF 2.1.0
// (--sarif FILE, or - for stdout), with each role's worst-case access window. With --live
// it also reads the clouds once, the way `jit plan` reaches them (a sandbox config needs
// --endpoint, and --entra-endpoint for Entra), and the store's active grants, and runs the
// live rules on that snapshot. Exit 1 when a finding is at or above --fail-on (default
// high); exit 2 when the input is bad or the live state cannot be read.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import Table from 'cli-table3';
import { awsFailureMessage } from '../adapters/aws/aws-failure.js';
import type { JitConfig } from '../config/index.js';
import { readSecret } from '../config/read-secret.js';
import { humanDuration } from '../core/duration.js';
import { JitError } from '../core/errors.js';
import type { ControlMapping } from '../check/controls.js';
import { atLeast, type Severity } from '../check/finding.js';
import type { GrantsView, LiveSnapshot, Unread } from '../check/live-snapshot.js';
import { checkConfig, type CheckReport } from '../check/run-check.js';
import { toSarif } from '../check/sarif.js';
import type { GraphWriter } from '../plan/entra-pim-rules.js';
import type { Store } from '../store/store.js';
import { CliError, invalidInput } from './cli-error.js';
import type { CliKit } from './cli-kit.js';
import { loadConfig } from './load-config.js';
import { colour } from './output.js';

export interface CheckOptions {
  readonly config: string;
  readonly sarif?: string;
  readonly failOn: Severity | 'none';
  /** Also read the clouds and the store, and run the live rules. */
  readonly live?: boolean;
  /** Sandbox: the Identity Center emulator's URL. */
  readonly endpoint?: string;
  /** Sandbox: the Entra emulator's URL. */
  readonly entraEndpoint?: string;
}

export async function runCheckCommand(kit: CliKit, opts: CheckOptions): Promise<void> {
  const out = kit.output();
  const config = await loadConfig(opts.config);
  if (opts.live !== true && (opts.endpoint !== undefined || opts.entraEndpoint !== undefined))
    throw invalidInput('--endpoint and --entra-endpoint go with --live');
  const live = opts.live === true ? await readLive(kit, opts, config) : undefined;
  const report = checkConfig(config, live === undefined ? {} : { live });
  if (opts.sarif !== undefined) {
    const sarif = `${JSON.stringify(toSarif(report, opts.config, kit.ctx.version), null, 2)}\n`;
    if (opts.sarif === '-') kit.ctx.stdout.write(sarif);
    else await writeFile(opts.sarif, sarif);
  }
  const table = opts.sarif !== '-' && !out.json;
  if (opts.sarif !== '-') {
    if (out.json) {
      const controls = new Map(report.rules.map((r) => [r.id, r.controls]));
      out.data({
        ...(live === undefined ? {} : { liveReadAt: new Date(live.readAt).toISOString() }),
        rules: report.rules.map((r) => ({
          id: r.id,
          name: r.name,
          title: r.title,
          severity: r.severity,
          controls: r.controls,
        })),
        findings: report.findings.map((f) => ({ ...f, controls: controls.get(f.rule) })),
        suppressed: report.suppressed,
        unusedSuppressions: report.unusedSuppressions,
        notChecked: report.notChecked,
        accessWindows: report.windows,
      });
    } else printReport(out.line.bind(out), report, live);
  }
  if (!table)
    for (const n of report.notChecked)
      kit.ctx.stderr.write(
        `warning: ${n.rule} ${n.partly ? 'checked in part' : 'not checked'}: ${n.reason}\n`,
      );
  for (const s of report.unusedSuppressions) {
    kit.ctx.stderr.write(
      `warning: check.suppress of ${s.rule}${s.resource === undefined ? '' : ` on ${s.resource}`} matches no finding; remove it\n`,
    );
  }
  const failing =
    opts.failOn === 'none'
      ? []
      : report.findings.filter((f) => atLeast(f.severity, opts.failOn as Severity));
  if (failing.length > 0) {
    throw new CliError(
      `${String(failing.length)} finding(s) at or above ${opts.failOn}; fix them (each row says how) or lower --fail-on`,
    );
  }
}

/** Reads the live snapshot: Identity Center through `jit plan`'s connection, Entra, the
 *  store. Any failure is one line and exit 2 (the check could not be made). */
async function readLive(kit: CliKit, opts: CheckOptions, config: JitConfig): Promise<LiveSnapshot> {
  if (config.mode === 'live' && opts.entraEndpoint !== undefined)
    throw invalidInput(
      '--entra-endpoint is for sandbox configs; in live mode jit check reads entra.authority and entra.graphUrl',
    );
  const entraUrl = opts.entraEndpoint === undefined ? undefined : httpUrl(opts.entraEndpoint);
  const { connect } = await import('./provision-command.js');
  let conn: Awaited<ReturnType<typeof connect>>;
  try {
    conn = await connect(kit, {
      config: opts.config,
      cloud: 'all',
      ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
    });
  } catch (error) {
    throw cannotRead(error instanceof CliError ? error.message : message(error));
  }
  let store: Store | undefined;
  let part = 'Identity Center';
  try {
    const graph = await entraGraph(kit, config, conn.graph, entraUrl);
    const opened = await openGrants(kit, config);
    store = opened.store;
    const { readLiveSnapshot } = await import('../check/read-live-snapshot.js');
    return await readLiveSnapshot({
      config,
      ssoAdmin: conn.ssoAdmin,
      identityStore: conn.identityStore,
      organizations: conn.organizations,
      instanceArn: conn.instanceArn,
      identityStoreId: conn.identityStoreId,
      graph,
      grants: opened.grants,
      now: kit.ctx.now,
      onPart: (name) => {
        part = name;
      },
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    const why =
      typeof error === 'object' && error !== null && '$metadata' in error
        ? awsFailureMessage(
            error,
            conn.calls.last.service,
            conn.calls.last.operation,
            conn.calls.last.iamPrefix,
          )
        : message(error);
    throw cannotRead(`reading ${part} failed: ${why}`);
  } finally {
    conn.close();
    await store?.close();
  }
}

/** Graph for the entra-pim roles: live mode's, or the sandbox Entra emulator's. */
async function entraGraph(
  kit: CliKit,
  config: JitConfig,
  liveGraph: GraphWriter | undefined,
  entraUrl: string | undefined,
): Promise<GraphWriter | Unread> {
  if (![...config.roles.values()].some((r) => r.source === 'entra-pim'))
    return { unread: 'no role is activated in Entra PIM' };
  if (config.mode === 'live')
    return liveGraph ?? { unread: 'the config has no entra section to reach Graph with' };
  if (entraUrl === undefined)
    return {
      unread:
        "Entra was not read: pass --entra-endpoint with the Entra emulator's URL (jit serve prints it; jit emulate entra runs one)",
    };
  const [{ createEntraAdapters }, { ENTRA_SANDBOX_APP, ENTRA_SANDBOX_TENANT_ID }] =
    await Promise.all([
      import('../adapters/entra/create-entra-adapters.js'),
      import('../emulators/entra/entra-emulator-options.js'),
    ]);
  // The sandbox tenant's app registration: fixed, and not a secret.
  return createEntraAdapters({
    tenantId: ENTRA_SANDBOX_TENANT_ID,
    clientId: ENTRA_SANDBOX_APP.clientId,
    credential: { kind: 'secret', secret: ENTRA_SANDBOX_APP.clientSecret },
    authority: entraUrl,
    graphBaseUrl: `${entraUrl}/v1.0`,
    allowInsecureRequests: true,
    clock: { now: kit.ctx.now },
    maxAttempts: 2,
    userAttribute: config.entra?.userAttribute ?? 'userPrincipalName',
  }).graph;
}

/** The store's active grants (DATABASE_URL, else store.sqlite), or why they are not read. */
async function openGrants(
  kit: CliKit,
  config: JitConfig,
): Promise<{ store?: Store; grants: GrantsView | Unread }> {
  const databaseUrl = readSecret({ env: kit.ctx.env }, 'DATABASE_URL');
  const path = config.store.sqlitePath;
  if (!databaseUrl) {
    if (path === ':memory:')
      return {
        grants: {
          unread:
            'the store is in memory (store.sqlite: :memory:): only its server sees the grants',
        },
      };
    // Opening a missing file would create an empty store, in which nothing backs anything.
    if (!existsSync(path))
      return {
        grants: {
          unread: `no store at ${resolve(path)} (store.sqlite, relative to the current folder), so what backs managed access is unknown; run jit check where jit serve runs, or set DATABASE_URL`,
        },
      };
  }
  const [{ openStore }, { readActiveGrants }] = await Promise.all([
    import('../store/open-store.js'),
    import('../check/read-live-snapshot.js'),
  ]);
  let store: Store;
  try {
    store = await openStore(databaseUrl ? { databaseUrl } : { sqlitePath: path });
  } catch (error) {
    throw cannotRead(`opening the store failed: ${message(error)}`);
  }
  try {
    return {
      store,
      grants: await readActiveGrants(
        store,
        databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `SQLite ${path}`,
      ),
    };
  } catch (error) {
    await store.close();
    throw cannotRead(`reading the store's grants failed: ${message(error)}`);
  }
}

function httpUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw invalidInput(
      `--entra-endpoint: ${JSON.stringify(text)} is not an http(s) URL; give the Entra emulator's, like http://127.0.0.1:4567`,
    );
  return url.href.replace(/\/+$/, '');
}

/** The live state could not be read: the check was not made (exit 2, one line). */
function cannotRead(why: string): CliError {
  // The CLI does not retry: drop the adapters' "will try again".
  return invalidInput(`jit check --live: ${why.replace(/;? ?will try again/g, '')}`);
}

function message(error: unknown): string {
  if (error instanceof JitError || error instanceof Error) return error.message;
  return String(error);
}

function printReport(
  line: (text?: string) => void,
  report: CheckReport,
  live: LiveSnapshot | undefined,
): void {
  const style = colour.isColorSupported
    ? { head: ['bold'], border: ['grey'] }
    : { head: [], border: [] };
  if (live !== undefined)
    line(colour.dim(`live state read at ${new Date(live.readAt).toISOString()}`));
  if (report.findings.length === 0)
    line(colour.green(`no findings (${String(report.rules.length)} rules)`));
  else {
    const rules = new Map(report.rules.map((r) => [r.id, r]));
    const table = new Table({
      head: ['SEVERITY', 'RULE', 'RESOURCE', 'FINDING / WHY / FIX / CONTROLS'],
      style,
      colWidths: [10, 30, 28, 80],
      wordWrap: true,
    });
    for (const f of report.findings) {
      const rule = rules.get(f.rule);
      table.push([
        severityText(f.severity),
        `${f.rule} ${rule?.name ?? ''}`,
        f.resource,
        `${f.message}\nwhy: ${rule?.why ?? ''}\nfix: ${rule?.fix ?? ''}${rule === undefined ? '' : `\ncontrols: ${controlsText(rule.controls)}`}`,
      ]);
    }
    line(table.toString());
  }
  if (report.suppressed.length > 0) {
    line(
      `${String(report.suppressed.length)} suppressed: ${report.suppressed.map((s) => `${s.finding.rule} ${s.finding.resource} (${s.reason})`).join('; ')}`,
    );
  }
  for (const n of report.notChecked)
    line(
      `${colour.yellow(n.partly ? 'checked in part' : 'not checked')}: ${n.rule} ${report.rules.find((r) => r.id === n.rule)?.name ?? ''}: ${n.reason}`,
    );
  const windows = new Table({
    head: [
      'ROLE',
      'LONGEST ACTIVATION',
      'WORST CASE, CONTROLLER UP',
      'CONTROLLER DOWN',
      "SEED'S FORMULA",
    ],
    style,
  });
  for (const w of report.windows) {
    windows.push([
      w.role,
      humanDuration(w.maxActivation),
      humanDuration(w.withController),
      typeof w.withoutController === 'number'
        ? `${humanDuration(w.withoutController)} (fail-safe)`
        : w.withoutController,
      humanDuration(w.seedFormula),
    ]);
  }
  line();
  line(windows.toString());
}

function controlsText(controls: ControlMapping): string {
  return [
    controls.soc2.length === 0 ? '' : `SOC 2 ${controls.soc2.join(' ')}`,
    controls.iso27001.length === 0
      ? ''
      : `ISO 27001 ${controls.iso27001.map((c) => `A.${c}`).join(' ')}`,
    controls.cisAws.length === 0 ? '' : `CIS AWS 3.0.0 ${controls.cisAws.join(' ')}`,
  ]
    .filter((part) => part !== '')
    .join(' · ');
}

function severityText(severity: Severity): string {
  switch (severity) {
    case 'critical':
    case 'high':
      return colour.red(severity);
    case 'medium':
      return colour.yellow(severity);
    case 'low':
      return severity;
  }
}
