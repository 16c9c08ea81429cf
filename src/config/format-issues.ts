// Turns zod's issues into config problems with readable messages. `issueMessage` is the
// error map handed to zod (its defaults read "Invalid input: expected string, received
// number"); `formatIssues` splits, rewrites and de-duplicates the finished issues.
import type { z } from 'zod';
import { describeValue, QUOTE_SOURCE } from './config-fields.js';
import type { ConfigProblem } from './config-problem.js';
import { formatPath } from './config-path.js';
import { nearest } from './nearest.js';

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/** The zod error map of the config schema: a "problem; fix" message for each issue kind. */
export function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const input = issue.input;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (input === undefined) return `missing; add it (${expected})`;
      if (input === null)
        return `expected ${expected}, got an empty value; fill it in or remove the key`;
      if (issue.expected === 'int' && typeof input === 'number') {
        return `expected a whole number, got ${input}`;
      }
      if (
        issue.expected === 'string' &&
        (typeof input === 'number' || typeof input === 'boolean')
      ) {
        return `expected a string, got ${describeValue(input)}; quote it: '${String(input)}'`;
      }
      return `expected ${expected}, got ${describeValue(input)}`;
    }
    case 'too_small': {
      const minimum = Number(issue.minimum);
      if (issue.origin === 'array') {
        return minimum <= 1
          ? 'is empty; list at least one entry'
          : `needs at least ${minimum} entries`;
      }
      if (issue.origin === 'string') return 'is empty; give a value';
      return `${describeValue(input)} is less than ${minimum}; use ${minimum} or more`;
    }
    case 'too_big': {
      const maximum = Number(issue.maximum);
      if (issue.origin === 'string' && typeof input === 'string') {
        return `is ${input.length} characters long, over the limit of ${maximum}; shorten it`;
      }
      if (issue.origin === 'array' && Array.isArray(input)) {
        return `has ${input.length} entries, over the limit of ${maximum}; remove some`;
      }
      return `${describeValue(input)} is more than ${maximum}; use ${maximum} or less`;
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      const match = typeof input === 'string' ? nearest(input, values) : undefined;
      const got = input === undefined ? 'missing' : `${describeValue(input)} is not allowed`;
      return match === undefined
        ? `${got}; use one of ${values.join(', ')}`
        : `${got}; did you mean "${match}"? (one of ${values.join(', ')})`;
    }
    case 'invalid_format':
      return `${describeValue(input)} is not in the expected format`;
    case 'not_multiple_of':
    case 'unrecognized_keys':
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return `${describeValue(input)} is not valid here`;
    default:
      return undefined;
  }
}

export interface FormatIssuesOptions {
  /** The YAML source text of the value at `path`, to quote it back in a fix. */
  readonly sourceAt?: (path: readonly PropertyKey[]) => string | undefined;
}

/** Converts finished zod issues (made with `issueMessage`) into one problem per fault. */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  options: FormatIssuesOptions = {},
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // A misspelt required key shows up twice: as unknown, and as missing. Keep the first.
  const suggested = new Set<string>();
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const lines = issue.message.split('\n');
      issue.keys.forEach((key, index) => {
        const message = lines[index] ?? 'unknown key';
        problems.push({ path: [...issue.path, key], message });
        const match = /did you mean "([^"]+)"/.exec(message)?.[1];
        if (match !== undefined) suggested.add(formatPath([...issue.path, match]));
      });
    } else if (issue.code === 'invalid_key') {
      for (const inner of issue.issues) problems.push({ path: issue.path, message: inner.message });
    } else if (issue.code === 'invalid_union') {
      const first = issue.errors[0]?.[0];
      problems.push({ path: issue.path, message: first?.message ?? issue.message });
    } else if (issue.code === 'custom' && issue.params?.[QUOTE_SOURCE] === true) {
      problems.push({ path: issue.path, message: quoteNumber(issue, options) });
    } else {
      problems.push({ path: issue.path, message: issue.message });
    }
  }
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const where = formatPath(problem.path);
    if (problem.message.startsWith('missing') && suggested.has(where)) return false;
    const key = `${where}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function quoteNumber(issue: z.core.$ZodIssue, options: FormatIssuesOptions): string {
  const source = options.sourceAt?.(issue.path);
  if (source === undefined || !/^[-+]?[\d_]+$/.test(source)) return issue.message;
  const digits = source.replace(/^\+/, '');
  const note = /^\d{12}$/.test(digits) ? '' : ' (and check it: an AWS account id has 12 digits)';
  return `${source} is a YAML number, which loses leading zeros; quote it: '${digits}'${note}`;
}
