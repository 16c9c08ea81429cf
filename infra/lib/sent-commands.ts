// Which AWS API operations the product sends, read from its source: every command class (or
// paginator) imported from an AWS SDK client in the modules an entry point reaches. The
// controller's IAM policy is built from this list, so an adapter that starts calling a new
// operation changes the policy (and the least-privilege test) without anyone listing it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** The SDK clients the product uses, with their IAM service prefixes. */
export const SDK_CLIENTS: Readonly<Record<string, string>> = {
  '@aws-sdk/client-sso-admin': 'sso',
  '@aws-sdk/client-identitystore': 'identitystore',
  '@aws-sdk/client-organizations': 'organizations',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-scheduler': 'scheduler',
};

/** What runs with which AWS identity: `jit serve` (and `jit doctor`, which checks what the
 *  controller may do) and `jit plan`/`jit apply`. */
export const ENTRY_POINTS = {
  controller: ['src/main.ts', 'src/cli/doctor-command.ts'],
  // `jit check --live` reads through the provisioner's connection (`jit plan`'s).
  provisioner: ['src/cli/provision-commands.ts', 'src/cli/check-command.ts'],
} as const;

export type Principal = keyof typeof ENTRY_POINTS;

/** Modules that only ever talk to the local emulators (sandbox seeding): their commands
 *  never reach AWS, so the walk does not enter them. */
export const NEVER_LIVE: readonly string[] = ['src/emulators/', 'src/sandbox/'];

/** One operation as IAM names it (`sso:CreateAccountAssignment`), with the files sending it. */
export interface SentCommand {
  readonly action: string;
  readonly files: readonly string[];
}

/** The operations the modules reachable from the given entry files send, sorted by action. */
export function sentCommands(repoRoot: string, entries: readonly string[]): SentCommand[] {
  const found = new Map<string, Set<string>>();
  const seen = new Set<string>();
  const queue = entries.map((entry) => resolve(repoRoot, entry));
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const name = relative(repoRoot, file).split('\\').join('/');
    if (NEVER_LIVE.some((prefix) => name.startsWith(prefix))) continue;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const { specifier, names } of imports(source)) {
      const prefix = SDK_CLIENTS[specifier];
      if (prefix !== undefined) {
        for (const imported of names) {
          const operation = operationOf(imported);
          if (operation === undefined) continue;
          const action = `${prefix}:${operation}`;
          const files = found.get(action) ?? new Set<string>();
          files.add(name);
          found.set(action, files);
        }
      } else if (specifier.startsWith('@aws-sdk/client-')) {
        throw new Error(
          `${name} imports ${specifier}, which infra/lib/sent-commands.ts does not know; add it to SDK_CLIENTS with its IAM service prefix`,
        );
      } else if (specifier.startsWith('.')) {
        const target = resolveModule(dirname(file), specifier);
        if (target !== undefined) queue.push(target);
      }
    }
  }
  return [...found]
    .map(([action, files]) => ({ action, files: [...files].sort() }))
    .sort((a, b) => a.action.localeCompare(b.action));
}

/** The operation names (no IAM prefix) a principal's entry points send: what an emulator's
 *  call counts are compared with. */
export function sentOperations(repoRoot: string, principal: Principal): Set<string> {
  return new Set(
    sentCommands(repoRoot, ENTRY_POINTS[principal]).map((c) =>
      c.action.slice(c.action.indexOf(':') + 1),
    ),
  );
}

/** `CreateAccountAssignmentCommand` → `CreateAccountAssignment`; `paginateListAccounts` →
 *  `ListAccounts`; anything else (clients, types, errors) → undefined. */
function operationOf(imported: string): string | undefined {
  const command = /^([A-Z]\w*)Command$/.exec(imported);
  if (command) return command[1];
  const paginator = /^paginate([A-Z]\w*)$/.exec(imported);
  return paginator?.[1];
}

interface ModuleImport {
  readonly specifier: string;
  /** Value names imported (type-only imports send nothing). */
  readonly names: readonly string[];
}

function imports(source: ts.SourceFile): ModuleImport[] {
  const out: ModuleImport[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const names: string[] = [];
      if (clause && clause.phaseModifier !== ts.SyntaxKind.TypeKeyword) {
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) {
          for (const element of bindings.elements) {
            if (!element.isTypeOnly) names.push((element.propertyName ?? element.name).text);
          }
        }
      }
      out.push({ specifier: node.moduleSpecifier.text, names });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push({ specifier: node.moduleSpecifier.text, names: [] });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push({ specifier: node.arguments[0].text, names: [] });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** `./x.js` → `./x.ts` (NodeNext specifiers name the emitted file). */
function resolveModule(fromDir: string, specifier: string): string | undefined {
  const base = join(fromDir, specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((candidate) => candidate.endsWith('.ts') && existsSync(candidate));
}
