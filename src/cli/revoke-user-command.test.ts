import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { checkRevokeFlags } from './revoke-user-command.js';

function refusal(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
}

describe('checkRevokeFlags', () => {
  it('takes a grant id alone, or --user with --all and a reason', () => {
    expect(checkRevokeFlags('g_1', {})).toBe('grant');
    expect(checkRevokeFlags(undefined, { user: 'bob', all: true, reason: 'INC-42' })).toBe('user');
    expect(
      checkRevokeFlags(undefined, { user: 'bob', all: true, reason: 'INC-42', dryRun: true }),
    ).toBe('user');
  });

  it('refuses each wrong combination in one line that says how to fix it (exit 2)', () => {
    const cases: [string | undefined, Parameters<typeof checkRevokeFlags>[1], RegExp][] = [
      ['g_1', { user: 'bob', all: true, reason: 'x' }, /either a grant id .* not both/],
      [undefined, { user: 'bob', reason: 'x' }, /add --all to confirm/],
      [undefined, { user: 'bob', all: true }, /needs the incident’s reason: add --reason/],
      [undefined, { all: true }, /--all needs the person/],
      ['g_1', { dryRun: true }, /--dry-run works with --user PERSON --all only/],
      [undefined, {}, /say what to revoke/],
    ];
    for (const [id, opts, message] of cases) {
      const error = refusal(() => checkRevokeFlags(id, opts));
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
    }
  });
});
