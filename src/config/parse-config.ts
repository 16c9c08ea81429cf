// Parses and validates the text of `jit.config.yaml`: YAML first (syntax errors with
// file:line:col), then the schema (types, formats, ranges, unknown keys), then the checks
// across sections. Every problem becomes one line, `path: problem; fix`, in file order.
import { isCollection, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { LoadConfigResult } from './config.js';
import { describeValue } from './config-fields.js';
import { problemLine, type ConfigProblem } from './config-problem.js';
import { configSchema } from './config-schema.js';
import { buildConfig } from './build-config.js';
import { formatIssues, issueMessage } from './format-issues.js';
import { inlineSecrets } from './inline-secrets.js';

const START = 'start from examples/jit.config.yaml';

const YAML_FIXES: Readonly<Record<string, string>> = {
  BAD_INDENT: 'check the indentation',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  DUPLICATE_KEY: 'remove one of the two',
  MISSING_CHAR: 'check the quotes and brackets',
  BAD_SCALAR_START: 'quote the value',
  MULTIPLE_DOCS: 'keep one document (one ---) in the file',
};

/**
 * Validates config text. `source` names the file in syntax errors (`jit.config.yaml:3:5`)
 * and in the empty-file error. Never throws for bad input.
 */
export function parseConfig(text: string, source: string): LoadConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false });
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${source}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const message = firstLine(error.message);
        const fix = YAML_FIXES[error.code] ?? 'fix the YAML syntax there';
        return `${at(error.pos[0])}: ${message}; ${fix}`;
      }),
    };
  }
  const yamlWarnings = doc.warnings.map(
    (warning) => `${at(warning.pos[0])}: ${firstLine(warning.message)}`,
  );

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const reason = error instanceof Error ? firstLine(error.message) : 'unreadable';
    return { ok: false, errors: [`${source}: ${reason}; simplify the YAML aliases`] };
  }
  if (data === null || data === undefined) {
    return { ok: false, errors: [`${source} is empty; ${START}`] };
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    return {
      ok: false,
      errors: [
        `${source}: expected a mapping of settings (mode, permissionSets, roles, ...), got ${describeValue(data)}; ${START}`,
      ],
    };
  }

  const order = (problems: readonly ConfigProblem[]): string[] =>
    inFileOrder(doc, problems).map(problemLine);
  // Before the schema: a secret in the file is refused as such, not as an unknown key.
  const secrets = inlineSecrets(data);
  if (secrets.length > 0) return { ok: false, errors: order(secrets) };
  const parsed = configSchema.safeParse(data, { error: issueMessage, reportInput: true });
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues, { sourceAt: (path) => sourceAt(doc, path) });
    return { ok: false, errors: order(problems) };
  }
  const built = buildConfig(parsed.data);
  if (built.config === undefined) return { ok: false, errors: order(built.errors) };
  return { ok: true, config: built.config, warnings: [...yamlWarnings, ...order(built.warnings)] };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}

function sourceAt(doc: Document, path: readonly PropertyKey[]): string | undefined {
  const node: unknown = doc.getIn(path, true);
  return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
}

/** Sorts problems by where their path (or its nearest existing parent) starts in the file. */
function inFileOrder(doc: Document, problems: readonly ConfigProblem[]): ConfigProblem[] {
  const offset = (path: readonly PropertyKey[]): number => {
    for (let length = path.length; length > 0; length--) {
      const node: unknown = doc.getIn(path.slice(0, length), true);
      if ((isScalar(node) || isCollection(node)) && node.range) return node.range[0];
    }
    return isNode(doc.contents) && doc.contents.range ? doc.contents.range[0] : 0;
  };
  return problems
    .map((problem, index) => ({ problem, index, at: offset(problem.path) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map((entry) => entry.problem);
}
