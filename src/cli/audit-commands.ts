// The `jit` command group for the audit log: `jit audit verify`, `jit audit export`, `jit audit-log`.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { AuditExportFormat } from '../audit/export-audit.js';
import { loadConfig } from './load-config.js';
import { CliError } from './cli-error.js';
import { auditTable, colour, type AuditEntryView } from './output.js';

import { positive, withStore, writeToFile, type CliKit } from './cli-kit.js';

export function registerAuditCommands(program: Command, kit: CliKit): void {
  const { ctx, output, client } = kit;
  const audit = program.command('audit').description('the hash-chained audit log');
  const storeOption = (cmd: Command): Command =>
    cmd.option(
      '-c, --config <file>',
      'config file naming the store (DATABASE_URL wins)',
      ctx.env['JIT_CONFIG'] ?? 'jit.config.yaml',
    );

  storeOption(
    audit
      .command('verify')
      .description(
        'check the chain, and its signed checkpoints outside the database; names the first problem',
      )
      .option('--checkpoints <file>', 'checkpoint file (default: audit.checkpoints.file)')
      .option(
        '--public-key <file>',
        'PEM key to check checkpoints with (default: the signing key)',
      ),
  ).action(async (opts: { config: string; checkpoints?: string; publicKey?: string }) => {
    const out = output();
    const { verifyAuditWithCheckpoints } = await import('./audit-verify.js');
    const config = existsSync(opts.config) ? await loadConfig(opts.config) : undefined;
    await withStore(ctx, opts.config, async (store) => {
      const report = await verifyAuditWithCheckpoints(store, config, ctx.env, {
        ...(opts.checkpoints === undefined ? {} : { checkpoints: opts.checkpoints }),
        ...(opts.publicKey === undefined ? {} : { publicKey: opts.publicKey }),
      });
      if (out.json)
        out.data({
          ...report.chain,
          ...(report.checkpoints ? { checkpoints: report.checkpoints } : {}),
        });
      const result = report.chain;
      if (!result.ok) {
        throw new CliError(`audit chain BROKEN: ${result.broken.problem}`);
      }
      if (report.checkpoints && !report.checkpoints.ok) {
        throw new CliError(`audit chain BROKEN: ${report.checkpoints.problem}`);
      }
      if (!out.json) {
        out.line(
          `${colour.green('audit chain intact')}: ${result.entries} entries, head ${result.headHash.slice(0, 16)}…`,
        );
        const checked = report.checkpoints;
        if (checked?.ok)
          out.line(
            `${colour.green('checkpoints match')}: ${checked.checked} in ${checked.file}${checked.latest ? `, latest of entry ${checked.latest.seq} at ${checked.latest.at}` : ''}`,
          );
        else out.line('no signed checkpoints to check (audit.checkpoints.file not found)');
      }
    });
  });

  storeOption(
    audit
      .command('export')
      .description('write the whole chain as JSON Lines or CSV')
      .addOption(
        new Option('-f, --format <format>', 'jsonl or csv')
          .choices(['jsonl', 'csv'])
          .default('jsonl'),
      )
      .option('-o, --output <file>', 'write to a file instead of standard output'),
  ).action(async (opts: { config: string; format: AuditExportFormat; output?: string }) => {
    const { exportAudit } = await import('../audit/export-audit.js');
    await withStore(ctx, opts.config, async (store) => {
      const entries = store.auditEntries(1000);
      if (!opts.output) {
        const sink = ctx.stdout;
        await exportAudit(entries, opts.format, async (chunk) => {
          if (!sink.write(chunk)) await once(sink, 'drain');
        });
        return;
      }
      // Written through a file handle: a bad path or a full disk is a rejected promise
      // (a message and exit 1), never an unhandled 'error' event with a stack trace.
      await writeToFile(opts.output, (write) => exportAudit(entries, opts.format, write));
    });
  });

  program
    .command('audit-log', { hidden: true })
    .description('recent audit entries from the server')
    .option('--grant <id>', 'entries of one grant')
    .option('--limit <n>', 'at most this many', positive('--limit'))
    .action(async (opts: { grant?: string; limit?: number }) => {
      const out = output();
      const { entries } = await (
        await client()
      ).get<{ entries: AuditEntryView[] }>('/v1/audit', { grantId: opts.grant, limit: opts.limit });
      if (out.json) {
        out.data(entries);
        return;
      }
      out.line(auditTable(entries));
    });
}
