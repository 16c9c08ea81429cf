// `jit check`: the posture rules on a config (src/check/), as a table, --json or SARIF 2.1.0
// (--sarif FILE, or - for stdout), with each role's worst-case access window. Exit 1 when a
// finding is at or above --fail-on (default high).
import { writeFile } from 'node:fs/promises';
import Table from 'cli-table3';
import { humanDuration } from '../core/duration.js';
import { atLeast, type Severity } from '../check/finding.js';
import { checkConfig, type CheckReport } from '../check/run-check.js';
import { toSarif } from '../check/sarif.js';
import { CliError } from './cli-error.js';
import type { CliKit } from './cli-kit.js';
import { loadConfig } from './load-config.js';
import { colour } from './output.js';

export interface CheckOptions {
  readonly config: string;
  readonly sarif?: string;
  readonly failOn: Severity | 'none';
}

export async function runCheckCommand(kit: CliKit, opts: CheckOptions): Promise<void> {
  const out = kit.output();
  const config = await loadConfig(opts.config);
  const report = checkConfig(config);
  if (opts.sarif !== undefined) {
    const sarif = `${JSON.stringify(toSarif(report, opts.config, kit.ctx.version), null, 2)}\n`;
    if (opts.sarif === '-') kit.ctx.stdout.write(sarif);
    else await writeFile(opts.sarif, sarif);
  }
  if (opts.sarif !== '-') {
    if (out.json)
      out.data({
        findings: report.findings,
        suppressed: report.suppressed,
        unusedSuppressions: report.unusedSuppressions,
        accessWindows: report.windows,
      });
    else printReport(out.line.bind(out), report);
  }
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

function printReport(line: (text?: string) => void, report: CheckReport): void {
  const style = colour.isColorSupported
    ? { head: ['bold'], border: ['grey'] }
    : { head: [], border: [] };
  if (report.findings.length === 0)
    line(colour.green(`no findings (${String(report.rules.length)} rules)`));
  else {
    const rules = new Map(report.rules.map((r) => [r.id, r]));
    const table = new Table({
      head: ['SEVERITY', 'RULE', 'RESOURCE', 'FINDING / WHY / FIX'],
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
        `${f.message}\nwhy: ${rule?.why ?? ''}\nfix: ${rule?.fix ?? ''}`,
      ]);
    }
    line(table.toString());
  }
  if (report.suppressed.length > 0) {
    line(
      `${String(report.suppressed.length)} suppressed: ${report.suppressed.map((s) => `${s.finding.rule} ${s.finding.resource} (${s.reason})`).join('; ')}`,
    );
  }
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
      w.withoutController,
      humanDuration(w.seedFormula),
    ]);
  }
  line();
  line(windows.toString());
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
