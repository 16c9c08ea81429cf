// docs/reference/cli.md from the commander program itself: every command with its
// arguments, options and defaults, as `jit <command> --help` shows them.
import type { Argument, Command, Option } from 'commander';

export function cliReferenceMarkdown(program: Command): string {
  const out: string[] = [
    '# `jit` command reference (generated)',
    '',
    '<!-- Generated from the command definitions in src/cli/ by `npm run docs:generate`; do not edit. A test fails when it is stale. -->',
    '',
    'Every command of the `jit` CLI. Exit codes: 0 ok, 1 failure (or a finding at or above',
    '`jit check --fail-on`), 2 invalid input (a bad flag, config or argument), 3 `jit plan` found',
    'changes. `--json` prints JSON for scripts; errors then go to stderr as JSON too.',
    '',
    '## Global options',
    '',
    ...optionList(program.options),
    '',
  ];
  for (const command of walk(program)) {
    out.push(`## \`${fullName(command)}\``, '');
    if (command.description() !== '') out.push(sentence(command.description()), '');
    out.push('```', `${fullName(command)} ${usage(command)}`.trimEnd(), '```', '');
    const args = command.registeredArguments;
    if (args.length > 0) out.push('Arguments:', '', ...args.map(argumentLine), '');
    const options = command.options.filter((o) => !o.hidden);
    if (options.length > 0) out.push('Options:', '', ...optionList(options), '');
    const subcommands = command.commands.filter(visible);
    if (subcommands.length > 0) {
      out.push(
        'Subcommands:',
        '',
        ...subcommands.map((c) => `- [\`${fullName(c)}\`](#${anchor(fullName(c))})`),
        '',
      );
    }
  }
  return out.join('\n');
}

function* walk(command: Command): Generator<Command> {
  for (const sub of command.commands.filter(visible)) {
    yield sub;
    yield* walk(sub);
  }
}

function visible(command: Command): boolean {
  return !(command as unknown as { _hidden?: boolean })._hidden;
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function usage(command: Command): string {
  return command.usage().replace('[options] [command]', '[options] <command>');
}

function argumentLine(argument: Argument): string {
  const name = argument.required ? `<${argument.name()}>` : `[${argument.name()}]`;
  return `- \`${name}\`${argument.description === '' ? '' : `: ${argument.description}`}`;
}

function optionList(options: readonly Option[]): string[] {
  return options.map((option) => {
    const value = option.defaultValue as unknown;
    const fallback =
      value === undefined || value === false
        ? ''
        : ` (default: \`${typeof value === 'string' ? value : JSON.stringify(value)}\`)`;
    const choices =
      option.argChoices === undefined
        ? ''
        : `; one of ${option.argChoices.map((c) => `\`${c}\``).join(', ')}`;
    return `- \`${option.flags}\`: ${option.description}${fallback}${choices}`;
  });
}

function sentence(text: string): string {
  const first = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?)]$/.test(first) ? first : `${first}.`;
}

/** GitHub's heading anchor for `jit config validate` (code span): `jit-config-validate`. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replaceAll(' ', '-');
}
