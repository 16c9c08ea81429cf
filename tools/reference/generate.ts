// `npm run docs:generate`: writes the references generated from the code — the config's
// JSON Schema, the config keys, the CLI and the HTTP API — and, with `--check`, only says
// which are stale (exit 1). test/docs/generated-references.test.ts runs the same check.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import * as prettier from 'prettier';
import { CONFIG_SCHEMA_FILE, configJsonSchema } from '../../src/config/config-json-schema.js';
import { buildProgram } from '../../src/cli/program.js';
import { createTestApp } from '../../test/support/test-app.js';
import { apiReferenceMarkdown, type OpenApiDocument } from './api-reference.js';
import { cliReferenceMarkdown } from './cli-reference.js';
import { configReferenceMarkdown } from './config-reference.js';

/** The repository root, from src or from dist. */
export const REPO_ROOT = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(join('dist', 'tools'))
    ? join(here, '..', '..', '..')
    : join(here, '..', '..');
})();

/** Each generated file (relative to the repository root) and its content. */
export async function renderReferences(): Promise<Map<string, string>> {
  const version = (
    JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const schema = configJsonSchema();
  const program = buildProgram({
    env: {},
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    now: () => 0,
    sleep: () => Promise.resolve(),
    version,
  });
  const api = await openApi(version);
  const files = new Map<string, string>([
    [CONFIG_SCHEMA_FILE, `${JSON.stringify(schema, null, 2)}\n`],
    ['docs/reference/config.md', configReferenceMarkdown(schema)],
    ['docs/reference/cli.md', cliReferenceMarkdown(program)],
    ['docs/reference/http-api.md', apiReferenceMarkdown(api)],
    ['docs/reference/openapi.json', `${JSON.stringify(api, null, 2)}\n`],
  ]);
  const options = (await prettier.resolveConfig(join(REPO_ROOT, 'package.json'))) ?? {};
  for (const [file, text] of files) {
    files.set(file, await prettier.format(text, { ...options, filepath: join(REPO_ROOT, file) }));
  }
  return files;
}

async function openApi(version: string): Promise<OpenApiDocument> {
  const t = await createTestApp({ testHooks: false, deps: (base) => ({ ...base, version }) });
  try {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    return response.json<OpenApiDocument>();
  } finally {
    await t.close();
  }
}

/** The generated files whose content on disk differs from what the code gives. */
export async function staleReferences(files: Map<string, string>): Promise<string[]> {
  const stale: string[] = [];
  for (const [file, text] of files) {
    const current = await readFile(join(REPO_ROOT, file), 'utf8').catch(() => undefined);
    if (current !== text) stale.push(file);
  }
  return stale;
}

async function main(): Promise<void> {
  const files = await renderReferences();
  if (process.argv.includes('--check')) {
    const stale = await staleReferences(files);
    for (const file of stale) console.error(`${file} is stale; run npm run docs:generate`);
    process.exitCode = stale.length > 0 ? 1 : 0;
    return;
  }
  for (const [file, text] of files) {
    await mkdir(dirname(join(REPO_ROOT, file)), { recursive: true });
    await writeFile(join(REPO_ROOT, file), text);
    console.log(`wrote ${file}`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
