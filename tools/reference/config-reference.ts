// docs/reference/config.md from the config's JSON Schema (itself derived from the zod
// schema): one table row per key, with its type, default and description.
import type { JsonSchema } from '../../src/config/config-json-schema.js';

interface Row {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly description: string;
}

export function configReferenceMarkdown(schema: JsonSchema): string {
  const sections = new Map<string, Row[]>();
  const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  for (const [key, child] of Object.entries(properties)) {
    const rows: Row[] = [];
    walk(key, child, required.has(key), rows);
    sections.set(key, rows);
  }
  const out: string[] = [
    '# Configuration keys (generated)',
    '',
    '<!-- Generated from src/config/config-schema.ts by `npm run docs:generate`; do not edit. A test fails when it is stale. -->',
    '',
    'Every key of `jit.config.yaml`, from the schema the loader uses. The guide with examples is',
    '[configuration.md](../configuration.md); editors check the file with',
    '[the JSON Schema](../../schema/jit.config.schema.json) (`jit config schema` prints it).',
    '`<name>` stands for a key you choose (a role, a permission set, a user). Durations are',
    'ISO 8601 (`PT30M`, `PT8H`, `P90D`). The JSON Schema checks each key on its own; the checks',
    'across keys (references, quorum, a default above its maximum) run in `jit config validate`.',
    '',
  ];
  for (const [key, rows] of sections) {
    out.push(`## \`${key}\``, '');
    out.push('| Key | Type | Default | Description |', '| --- | --- | --- | --- |');
    for (const row of rows) {
      out.push(
        `| \`${row.path}\`${row.required ? ' (required)' : ''} | ${cell(row.type)} | ${row.default === undefined ? '' : `\`${cell(JSON.stringify(row.default))}\``} | ${cell(row.description)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

function walk(path: string, schema: JsonSchema, required: boolean, rows: Row[]): void {
  rows.push({
    path,
    type: typeOf(schema),
    required,
    ...(isEmpty(schema['default']) ? {} : { default: schema['default'] }),
    description: (schema['description'] as string | undefined) ?? '',
  });
  const properties = schema['properties'] as Record<string, JsonSchema> | undefined;
  if (properties !== undefined) {
    const inner = new Set((schema['required'] as string[] | undefined) ?? []);
    for (const [key, child] of Object.entries(properties)) {
      walk(`${path}.${key}`, child, inner.has(key), rows);
    }
  }
  const values = schema['additionalProperties'];
  if (typeof values === 'object' && values !== null && hasChildren(values as JsonSchema)) {
    walk(`${path}.<name>`, values as JsonSchema, false, rows);
    rows.splice(
      rows.findIndex((r) => r.path === `${path}.<name>`),
      1,
    );
  }
  const items = schema['items'] as JsonSchema | undefined;
  if (items !== undefined && hasChildren(items)) {
    const start = rows.length;
    walk(`${path}[]`, items, false, rows);
    rows.splice(start, 1);
  }
}

function hasChildren(schema: JsonSchema): boolean {
  return schema['properties'] !== undefined;
}

function typeOf(schema: JsonSchema): string {
  const values = schema['enum'] as unknown[] | undefined;
  if (values !== undefined) return values.map((v) => `\`${String(v)}\``).join(' | ');
  const anyOf = schema['anyOf'] as JsonSchema[] | undefined;
  if (anyOf !== undefined) return anyOf.map(typeOf).join(' or ');
  const type = schema['type'];
  if (Array.isArray(type)) return type.join(' or ');
  if (type === 'array') {
    const items = (schema['items'] ?? {}) as JsonSchema;
    return `list of ${hasChildren(items) ? 'mappings' : typeOf(items)}`;
  }
  if (type === 'object') {
    const values = schema['additionalProperties'];
    if (typeof values === 'object' && values !== null) {
      return hasChildren(values as JsonSchema)
        ? 'mapping of name to mapping'
        : `mapping of name to ${typeOf(values as JsonSchema)}`;
    }
    return 'mapping';
  }
  if (type === 'string') {
    if (schema['format'] === 'uri') return 'URL';
    const pattern = schema['pattern'];
    if (typeof pattern === 'string' && pattern.startsWith('^P(?!$)')) return 'duration';
    return 'string';
  }
  if (type === 'integer' || type === 'number') {
    const min = schema['minimum'] as number | undefined;
    const max = schema['maximum'] as number | undefined;
    if (min !== undefined && max !== undefined) return `${type} ${min}–${max}`;
    if (min !== undefined) return `${type} ≥ ${min}`;
    return type;
  }
  return typeof type === 'string' ? type : 'any';
}

/** No default, or an empty mapping (a section whose keys have their own defaults). */
function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
  );
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
