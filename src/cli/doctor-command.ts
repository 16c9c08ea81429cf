// `jit doctor`: runs the live checks (src/live/doctor.ts) and prints one row per check with
// its fix; `--json` for scripts. Exit 0 when every check passes, 1 otherwise.
import Table from 'cli-table3';
import type { DoctorReport, DoctorRow } from '../live/doctor.js';
import { CliError, invalidInput } from './cli-error.js';
import type { CliKit } from './cli-kit.js';
import { loadConfig } from './load-config.js';
import { colour } from './output.js';

export async function runDoctorCommand(kit: CliKit, opts: { config: string }): Promise<void> {
  const out = kit.output();
  const config = await loadConfig(opts.config);
  if (config.mode !== 'live')
    throw invalidInput(
      `${opts.config} is mode: ${config.mode}; jit doctor checks a live config against AWS and Entra (the sandbox needs no setup)`,
    );
  const { runDoctor } = await import('../live/doctor.js');
  const report = await runDoctor({ config, env: kit.ctx.env, clock: { now: () => Date.now() } });
  if (out.json) out.data({ ok: report.ok, checks: report.rows });
  else out.line(doctorTable(report));
  if (!report.ok) {
    const failed = report.rows.filter((row) => row.status !== 'ok');
    throw new CliError(
      `${String(failed.length)} of ${String(report.rows.length)} checks did not pass; apply each fix and run jit doctor again`,
    );
  }
  if (!out.json) out.line(colour.green(`all ${String(report.rows.length)} checks passed`));
}

/** The report as a table: check, status, and what was seen or what to do. */
export function doctorTable(report: DoctorReport): string {
  const table = new Table({
    head: ['CHECK', 'STATUS', 'DETAIL / FIX'],
    style: colour.isColorSupported
      ? { head: ['bold'], border: ['grey'] }
      : { head: [], border: [] },
    colWidths: [44, 9, 90],
    wordWrap: true,
  });
  for (const row of report.rows) table.push([row.check, statusOf(row), detailOf(row)]);
  return table.toString();
}

function statusOf(row: DoctorRow): string {
  switch (row.status) {
    case 'ok':
      return colour.green('ok');
    case 'missing':
      return colour.red('missing');
    case 'skipped':
      return colour.yellow('skipped');
  }
}

function detailOf(row: DoctorRow): string {
  return row.fix === undefined ? row.detail : `${row.detail}\nfix: ${row.fix}`;
}
