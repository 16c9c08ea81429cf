// `jit plan` and `jit apply`: provisioning Identity Center from the config
// (src/plan/identity-center-plan.ts says what jit manages). A live config reaches AWS the way
// `jit serve` does (the SDK's default chain, aws.roleArn, AWS_ENDPOINT_URL_*); a sandbox
// config needs --endpoint, the Identity Center emulator's URL.
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import Table from 'cli-table3';
import { awsFailureMessage } from '../adapters/aws/aws-failure.js';
import type { JitConfig } from '../config/index.js';
import { JitError } from '../core/errors.js';
import {
  applyIdentityCenterPlan,
  orderChanges,
  type ApplyProgress,
  type ApplyResult,
} from '../plan/apply-identity-center-plan.js';
import type { GraphWriter } from '../plan/entra-pim-rules.js';
import {
  EntraApplier,
  planEntra,
  readEntraState,
  type EntraChange,
  type EntraState,
} from '../plan/entra-plan.js';
import {
  isDestructive,
  planIdentityCenter,
  type PlanChange,
} from '../plan/identity-center-plan.js';
import {
  entraFingerprint,
  fromDocumentChange,
  isEntraChange,
  planDocument,
  planDocumentSchema,
  sha256,
  stateFingerprint,
  type AnyChange,
  type PlanDocument,
} from '../plan/plan-document.js';
import { readIdentityCenterState } from '../plan/read-identity-center-state.js';
import { recordingClient, type LastCall } from '../adapters/aws/recording-client.js';
import { CliError, invalidInput, QuietExit } from './cli-error.js';
import type { CliKit } from './cli-kit.js';
import { loadConfig } from './load-config.js';
import { colour, type Output } from './output.js';

/** Exit 3 from `jit plan`: changes are pending (not an error; nothing is printed for it). */
export const EXIT_CHANGES_PENDING = 3;

export interface ProvisionOptions {
  readonly config: string;
  /** `aws` leaves Entra out. Default all. */
  readonly cloud?: 'all' | 'aws';
  readonly endpoint?: string;
  readonly prune?: boolean;
}

/** Identity Center (and Entra PIM) reached for a config; `jit check --live` reads through it too. */
export interface Connection {
  readonly config: JitConfig;
  readonly configText: string;
  /** The AWS call last sent, to word a failure with. */
  readonly calls: { last: LastCall };
  /** Graph, when the config has entra-pim roles and a live `entra` section. */
  readonly graph?: GraphWriter;
  readonly ssoAdmin: Parameters<typeof readIdentityCenterState>[0]['ssoAdmin'];
  readonly identityStore: Parameters<typeof readIdentityCenterState>[0]['identityStore'];
  readonly organizations: NonNullable<
    Parameters<typeof readIdentityCenterState>[0]['organizations']
  >;
  readonly instanceArn: string;
  readonly identityStoreId: string;
  close(): void;
}

export async function connect(kit: CliKit, opts: ProvisionOptions): Promise<Connection> {
  const config = await loadConfig(opts.config);
  const configText = await readFile(opts.config, 'utf8');
  let clients: {
    ssoAdmin: Connection['ssoAdmin'];
    identityStore: Connection['identityStore'];
    organizations: Connection['organizations'];
  };
  let close: () => void;
  if (config.mode === 'sandbox') {
    if (opts.endpoint === undefined)
      throw invalidInput(
        `${opts.config} is mode: sandbox; pass --endpoint with the Identity Center emulator's URL (jit serve prints it; jit emulate identity-center runs one)`,
      );
    const { createIdentityCenterClients } =
      await import('../adapters/aws/create-identity-center-clients.js');
    const { OrganizationsClient } = await import('@aws-sdk/client-organizations');
    const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
    const made = createIdentityCenterClients({
      endpoint: opts.endpoint,
      region: 'us-east-1',
      credentials,
    });
    const organizations = new OrganizationsClient({
      endpoint: opts.endpoint,
      region: 'us-east-1',
      credentials,
    });
    clients = { ...made, organizations };
    close = () => {
      made.ssoAdmin.destroy();
      made.identityStore.destroy();
      organizations.destroy();
    };
  } else {
    if (opts.endpoint !== undefined)
      throw invalidInput(
        '--endpoint is for sandbox configs; in live mode give AWS_ENDPOINT_URL_SSO_ADMIN and AWS_ENDPOINT_URL_IDENTITYSTORE if you need other endpoints',
      );
    const { createLiveAwsClients } = await import('../live/live-clients.js');
    const made = createLiveAwsClients(config, { now: kit.ctx.now }, 'provisioner');
    clients = made;
    close = () => {
      made.destroy();
    };
  }
  // Every AWS call goes through a recorder, so a failure names the action to allow.
  const calls: { last: LastCall } = {
    last: { service: 'Identity Center', iamPrefix: 'sso', operation: 'ListInstances' },
  };
  const record = (call: LastCall): void => {
    calls.last = call;
  };
  const ssoAdmin = recordingClient(clients.ssoAdmin, 'Identity Center', 'sso', record);
  const identityStore = recordingClient(
    clients.identityStore,
    'Identity Center',
    'identitystore',
    record,
  );
  const organizations = recordingClient(
    clients.organizations,
    'Organizations',
    'organizations',
    record,
  );
  try {
    const { discoverIdentityCenter } = await import('../adapters/aws/discover-identity-center.js');
    const aws = config.aws;
    const instance = await discoverIdentityCenter({
      ssoAdmin,
      ...(aws?.instanceArn === undefined ? {} : { instanceArn: aws.instanceArn }),
      ...(aws?.identityStoreId === undefined ? {} : { identityStoreId: aws.identityStoreId }),
    });
    const pimRoles = [...config.roles.values()].some((r) => r.source === 'entra-pim');
    let graph: GraphWriter | undefined;
    if (pimRoles && opts.cloud !== 'aws' && config.mode === 'live' && config.entra !== undefined) {
      const { createLiveEntraAdapters } = await import('../live/live-clients.js');
      const { silentLogger } = await import('../ports/logger.js');
      graph = (
        await createLiveEntraAdapters(config.entra, kit.ctx.env, { now: kit.ctx.now }, silentLogger)
      ).graph;
    }
    return {
      config,
      configText,
      calls,
      ssoAdmin,
      identityStore,
      organizations,
      instanceArn: instance.instanceArn,
      identityStoreId: instance.identityStoreId,
      ...(graph === undefined ? {} : { graph }),
      close,
    };
  } catch (error) {
    close();
    throw failure(error, calls.last);
  }
}

/** An AWS failure as a CLI failure, worded once (never a stack trace). */
function failure(error: unknown, last: LastCall): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof JitError) return new CliError(error.message);
  if (typeof error === 'object' && error !== null && '$metadata' in error)
    return new CliError(awsFailureMessage(error, last.service, last.operation, last.iamPrefix));
  return new CliError(error instanceof Error ? error.message : String(error));
}

async function computePlan(
  conn: Connection,
  opts: ProvisionOptions,
  now: number,
): Promise<PlanDocument> {
  let state;
  try {
    state = await readIdentityCenterState(conn);
  } catch (error) {
    throw failure(error, conn.calls.last);
  }
  const plan = planIdentityCenter(conn.config, state, { prune: opts.prune === true });
  const entra = await readEntra(conn);
  return planDocument({
    configPath: opts.config,
    configText: conn.configText,
    state,
    plan,
    ...(entra === undefined
      ? {}
      : { entra: { state: entra, changes: planEntra(entra, { prune: opts.prune === true }) } }),
    prune: opts.prune === true,
    now,
  });
}

async function readEntra(conn: Connection): Promise<EntraState | undefined> {
  if (conn.graph === undefined) return undefined;
  try {
    return await readEntraState(conn.config, conn.graph);
  } catch (error) {
    throw new CliError(
      `reading Entra PIM failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export async function runPlan(
  kit: CliKit,
  opts: ProvisionOptions & { readonly out?: string },
): Promise<void> {
  const out = kit.output();
  const conn = await connect(kit, opts);
  try {
    const doc = await computePlan(conn, opts, kit.ctx.now());
    if (opts.out !== undefined) await writeFile(opts.out, `${JSON.stringify(doc, null, 2)}\n`);
    if (out.json) out.data(doc);
    else printPlan(out, doc);
    if (doc.changes.length > 0) throw new QuietExit(EXIT_CHANGES_PENDING);
  } finally {
    conn.close();
  }
}

export async function runApply(
  kit: CliKit,
  opts: ProvisionOptions & {
    readonly planFile?: string;
    readonly allowDestructive?: boolean;
  },
): Promise<void> {
  const out = kit.output();
  const saved = opts.planFile === undefined ? undefined : await readPlanFile(opts.planFile);
  const conn = await connect(kit, { ...opts, prune: saved?.prune ?? opts.prune === true });
  try {
    let changes: AnyChange[];
    if (saved !== undefined) {
      if (saved.configHash !== sha256(conn.configText))
        throw new CliError(
          `${opts.config} changed since the plan in ${opts.planFile ?? ''} was made; run jit plan again`,
        );
      let state;
      try {
        state = await readIdentityCenterState(conn);
      } catch (error) {
        throw failure(error, conn.calls.last);
      }
      if (stateFingerprint(state) !== saved.identityCenter.stateFingerprint)
        throw new CliError(
          `Identity Center has changed since the plan in ${opts.planFile ?? ''} was made; nothing was applied: run jit plan again and review it`,
        );
      const entra = await readEntra(conn);
      if ((entra === undefined) !== (saved.entra === null))
        throw new CliError(
          saved.entra === null
            ? `the plan in ${opts.planFile ?? ''} does not cover Entra; apply it with --cloud aws, as it was planned`
            : `the plan in ${opts.planFile ?? ''} covers Entra; apply it without --cloud aws`,
        );
      if (entra !== undefined && entraFingerprint(entra) !== saved.entra?.stateFingerprint)
        throw new CliError(
          `Entra PIM has changed since the plan in ${opts.planFile ?? ''} was made; nothing was applied: run jit plan again and review it`,
        );
      changes = saved.changes.map(fromDocumentChange);
    } else {
      changes = (await computePlan(conn, opts, kit.ctx.now())).changes.map(fromDocumentChange);
    }
    if (changes.length === 0) {
      if (out.json) out.data({ applied: [], failed: null, notDone: [] });
      else out.line('nothing to change: the clouds match the config');
      return;
    }
    const destructive = changes.filter(isDestructive);
    if (destructive.length > 0 && opts.allowDestructive !== true)
      await confirmDestructive(kit, out, destructive);
    const awsChanges = changes.filter((c): c is PlanChange => !isEntraChange(c));
    const entraChanges = changes.filter(isEntraChange);
    const aws = await applyIdentityCenterPlan(awsChanges, {
      ssoAdmin: conn.ssoAdmin,
      identityStore: conn.identityStore,
      instanceArn: conn.instanceArn,
      identityStoreId: conn.identityStoreId,
      sleep: kit.ctx.sleep,
      pollMs: 250,
      ...(out.json
        ? {}
        : {
            onProgress: (event) => {
              printProgress(out, event);
            },
          }),
    });
    const result = await applyEntra(aws, entraChanges, conn, kit, out);
    if (out.json)
      out.data({
        applied: result.done.map(describe),
        failed:
          result.failed === undefined
            ? null
            : { change: describe(result.failed.change), message: result.failed.message },
        notDone: result.notDone.map(describe),
      });
    if (result.failed !== undefined) {
      throw new CliError(
        `apply stopped at ${describe(result.failed.change)}: ${result.failed.message}. Done: ${String(result.done.length)} of ${String(changes.length)}${result.done.length > 0 ? ` (${result.done.map(describe).join('; ')})` : ''}. Not done: ${[describe(result.failed.change), ...result.notDone.map(describe)].join('; ')}. Fix the cause and run jit apply again: it plans from what is there now and finishes the job`,
      );
    }
    if (!out.json) out.line(colour.green(`applied ${String(result.done.length)} change(s)`));
  } finally {
    conn.close();
  }
}

/** The Entra changes, after Identity Center's (a failure there leaves them all undone). */
async function applyEntra(
  aws: ApplyResult,
  changes: readonly EntraChange[],
  conn: Connection,
  kit: CliKit,
  out: Output,
): Promise<{
  done: AnyChange[];
  failed?: { change: AnyChange; message: string };
  notDone: AnyChange[];
}> {
  const done: AnyChange[] = [...aws.done];
  if (aws.failed !== undefined)
    return { done, failed: aws.failed, notDone: [...aws.notDone, ...changes] };
  const applier = conn.graph === undefined ? undefined : new EntraApplier(conn.graph, kit.ctx.now);
  for (const [index, change] of changes.entries()) {
    const started = Date.now();
    try {
      if (applier === undefined) throw new Error('Entra was not read for this plan');
      await applier.apply(change);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!out.json) out.line(`${colour.red('✗')} ${describe(change)}: ${message}`);
      return { done, failed: { change, message }, notDone: changes.slice(index + 1) };
    }
    done.push(change);
    if (!out.json)
      out.line(
        `${colour.green('✓')} ${describe(change)} ${colour.dim(`(${String(Date.now() - started)} ms)`)}`,
      );
  }
  return { done, notDone: [] };
}

async function readPlanFile(path: string): Promise<PlanDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw invalidInput(`cannot read the plan file ${path}; check the path`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidInput(`${path} is not JSON; write it with jit plan --out ${path}`);
  }
  const parsed = planDocumentSchema.safeParse(json);
  if (!parsed.success)
    throw invalidInput(
      `${path} is not a jit plan (version 1); write it with jit plan --out ${path}`,
      parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  return parsed.data;
}

async function confirmDestructive(
  kit: CliKit,
  out: Output,
  destructive: readonly AnyChange[],
): Promise<void> {
  const list = destructive.map(describe);
  const stdin = process.stdin;
  if (out.json || !stdin.isTTY || kit.ctx.env['CI'] === 'true')
    throw new CliError(
      `the plan deletes ${String(destructive.length)} object(s): ${list.join('; ')}; re-run with --allow-destructive to let it`,
    );
  out.line(colour.red(`This deletes ${String(destructive.length)} object(s):`));
  for (const line of list) out.line(`  - ${line}`);
  const rl = createInterface({ input: stdin, output: kit.ctx.stdout });
  try {
    const answer = await rl.question('Type "delete" to go on: ');
    if (answer.trim() !== 'delete') throw new CliError('nothing was applied');
  } finally {
    rl.close();
  }
}

function describe(change: AnyChange): string {
  switch (change.type) {
    case 'entra-group':
      return `create Entra group ${change.name} (role ${change.role})`;
    case 'pim-rule':
      return `update PIM rule ${change.ruleId} of ${change.group} (role ${change.role})`;
    case 'eligibility':
      return `${change.action} eligibility of ${change.principal} for ${change.group} (role ${change.role})`;
    case 'permission-set':
      return `${change.action} permission set ${change.name}`;
    case 'group':
      return `create group ${change.name}`;
    case 'assignment':
      return `${change.action} assignment ${change.group} → ${change.permissionSet} in ${change.account}`;
  }
}

function printProgress(out: Output, event: ApplyProgress): void {
  if (event.kind === 'done')
    out.line(
      `${colour.green('✓')} ${describe(event.change)} ${colour.dim(`(${String(event.ms)} ms)`)}`,
    );
  if (event.kind === 'failed')
    out.line(`${colour.red('✗')} ${describe(event.change)}: ${event.message}`);
}

const SYMBOL = { create: '+', update: '~', delete: '-' } as const;

function printPlan(out: Output, doc: PlanDocument): void {
  const all = doc.changes.map(fromDocumentChange);
  const aws = orderChanges(all.filter((c): c is PlanChange => !isEntraChange(c)));
  const entra = all.filter(isEntraChange);
  out.line(
    `Identity Center ${doc.identityCenter.instanceArn} (identity store ${doc.identityCenter.identityStoreId})`,
  );
  printTable(out, aws, 'no changes: Identity Center matches the config');
  if (doc.entra !== null) {
    out.line(`Entra PIM (${String(doc.entra.roles)} entra-pim role(s))`);
    printTable(out, entra, 'no changes: PIM matches the config');
  }
  for (const note of doc.notes)
    out.line(
      `${note.level === 'warning' ? colour.yellow('warning') : colour.dim('note')}: ${note.message}`,
    );
  const { create, update, delete: del } = doc.summary;
  out.line(
    `Plan: ${String(create)} to create, ${String(update)} to update, ${String(del)} to delete.`,
  );
}

/** One cloud's changes as a table (one line per object, no rules between rows). */
function printTable(out: Output, changes: readonly AnyChange[], none: string): void {
  if (changes.length === 0) {
    out.line(colour.green(none));
    return;
  }
  const table = new Table({
    head: ['', 'OBJECT', 'CHANGE'],
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: colour.isColorSupported
      ? { head: ['bold'], border: ['grey'] }
      : { head: [], border: [] },
    wordWrap: true,
    colWidths: [3, 52, 80],
  });
  for (const change of changes) {
    const symbol = SYMBOL[change.action];
    const paint =
      change.action === 'create'
        ? colour.green
        : change.action === 'delete'
          ? colour.red
          : colour.yellow;
    table.push([paint(symbol), paint(objectOf(change)), detailOf(change)]);
  }
  out.line(table.toString());
}

function objectOf(change: AnyChange): string {
  switch (change.type) {
    case 'entra-group':
      return `Entra group ${change.name}`;
    case 'pim-rule':
      return `PIM rule ${change.ruleId} of ${change.group}`;
    case 'eligibility':
      return `eligibility of ${change.principal} for ${change.group}`;
    case 'permission-set':
      return `permission set ${change.name}`;
    case 'group':
      return `group ${change.name}`;
    case 'assignment':
      return `assignment ${change.group} → ${change.permissionSet} in ${change.account}`;
  }
}

function detailOf(change: AnyChange): string {
  if (change.type === 'entra-group') return 'security group, assigned membership';
  if (change.type === 'pim-rule')
    return Object.entries(change.after)
      .filter(([key]) => key !== 'id' && key !== '@odata.type' && key !== 'target')
      .map(([key, value]) => {
        const before = (change.before as Record<string, unknown> | null)?.[key];
        return `${key}: ${show(before)} → ${show(value)}`;
      })
      .filter((line) => !/: (.*) → \1$/.test(line))
      .join('\n');
  if (change.type === 'eligibility')
    return change.action === 'create'
      ? `member, ${change.duration === null ? 'no expiry' : `for ${change.duration}`}`
      : 'member';
  if (change.type === 'permission-set' && change.action === 'update')
    return [
      ...(change.adopt ? ['adopt: jit manages it from now on (tag managed-by: jit)'] : []),
      ...change.changes.map((c) => `${c.field}: ${show(c.before)} → ${show(c.after)}`),
    ].join('\n');
  if (change.type === 'permission-set' && change.action === 'create') {
    const f = change.fields;
    return [
      `sessionDuration: ${f.sessionDuration}`,
      ...(f.managedPolicies.length > 0 ? [`managedPolicies: ${f.managedPolicies.join(', ')}`] : []),
      ...(f.customerManagedPolicies.length > 0
        ? [`customerManagedPolicies: ${f.customerManagedPolicies.join(', ')}`]
        : []),
      ...(f.inlinePolicy === null
        ? []
        : [`inlinePolicy: ${String(f.inlinePolicy.length)} characters`]),
      ...(f.permissionsBoundary === null ? [] : [`permissionsBoundary: ${f.permissionsBoundary}`]),
    ].join('\n');
  }
  return '';
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  if (typeof value === 'string') return value.length > 60 ? `${value.slice(0, 57)}...` : value;
  if (Array.isArray(value)) return value.length === 0 ? '[]' : value.join(', ');
  return JSON.stringify(value);
}
