// docs/reference/http-api.md from the server's OpenAPI document (the same one it serves at
// /openapi.json, generated from the routes' zod schemas): every operation with its
// parameters, body fields and answers.

type Schema = Record<string, unknown>;

interface Operation {
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly parameters?: readonly {
    name: string;
    in: string;
    required?: boolean;
    description?: string;
    schema?: Schema;
  }[];
  readonly requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  readonly responses?: Record<string, { description?: string }>;
}

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly description?: string;
  };
  readonly paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function apiReferenceMarkdown(doc: OpenApiDocument): string {
  const out: string[] = [
    '# HTTP API reference (generated)',
    '',
    "<!-- Generated from the routes' schemas (src/api/) by `npm run docs:generate`; do not edit. A test fails when it is stale. -->",
    '',
    `${doc.info.description ?? doc.info.title} The server serves this as OpenAPI ${doc.openapi} at`,
    '`/openapi.json` ([a copy](openapi.json)); the guide with examples, sign-in and errors is',
    '[api.md](../api.md). Every call needs `Authorization: Bearer <token>` (from `jit login`) or',
    'the browser session cookie with `x-csrf-token`, except where it says otherwise. Errors are',
    '`application/problem+json` with a `code` ([troubleshooting](../troubleshooting.md)).',
    '',
    '| Method | Path | What it does |',
    '| --- | --- | --- |',
  ];
  const operations = Object.entries(doc.paths)
    .flatMap(([path, ops]) =>
      METHODS.filter((m) => ops[m] !== undefined).map(
        (method) => [method, path, ops[method] as Operation] as const,
      ),
    )
    .sort((a, b) => a[1].localeCompare(b[1]) || METHODS.indexOf(a[0]) - METHODS.indexOf(b[0]));
  for (const [method, path, op] of operations) {
    const title = `${method.toUpperCase()} ${path}`;
    out.push(
      `| ${method.toUpperCase()} | [\`${path}\`](#${anchor(title)}) | ${cell(op.summary ?? op.description ?? '')} |`,
    );
  }
  out.push('');
  for (const [method, path, op] of operations) {
    out.push(`## ${method.toUpperCase()} ${path}`, '');
    if (op.summary !== undefined) out.push(sentence(op.summary), '');
    if (op.description !== undefined && op.description !== op.summary) {
      out.push(sentence(op.description), '');
    }
    const parameters = op.parameters ?? [];
    if (parameters.length > 0) {
      out.push(
        '| Parameter | In | Type | Required | Description |',
        '| --- | --- | --- | --- | --- |',
      );
      for (const p of parameters) {
        out.push(
          `| \`${p.name}\` | ${p.in} | ${cell(typeOf(p.schema ?? {}))} | ${p.required === true ? 'yes' : 'no'} | ${cell(p.description ?? (p.schema?.['description'] as string | undefined) ?? '')} |`,
        );
      }
      out.push('');
    }
    const body = op.requestBody?.content?.['application/json']?.schema;
    if (body !== undefined) {
      const properties = (body['properties'] ?? {}) as Record<string, Schema>;
      const required = new Set((body['required'] as string[] | undefined) ?? []);
      out.push(`Body (JSON${op.requestBody?.required === false ? ', may be left out' : ''}):`, '');
      if (Object.keys(properties).length === 0) out.push('- (no fields)');
      for (const [name, schema] of Object.entries(properties)) {
        const description = schema['description'] as string | undefined;
        out.push(
          `- \`${name}\` (${typeOf(schema)}${required.has(name) ? ', required' : ''})${description === undefined ? '' : `: ${description}`}`,
        );
      }
      out.push('');
    }
    const responses = Object.entries(op.responses ?? {});
    if (responses.length > 0) {
      out.push(
        `Answers: ${responses.map(([status, r]) => `${status}${r.description === undefined || r.description === 'Default Response' ? '' : ` (${r.description})`}`).join(', ')}.`,
        '',
      );
    }
  }
  return out.join('\n');
}

function typeOf(schema: Schema): string {
  const values = schema['enum'] as unknown[] | undefined;
  if (values !== undefined) return values.map((v) => `\`${String(v)}\``).join(' | ');
  const anyOf = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  if (anyOf !== undefined) return anyOf.map(typeOf).join(' or ');
  const type = schema['type'];
  if (type === 'array') return `list of ${typeOf((schema['items'] ?? {}) as Schema)}`;
  if (type === 'string' && typeof schema['format'] === 'string')
    return `string (${schema['format']})`;
  if (Array.isArray(type)) return type.join(' or ');
  return typeof type === 'string' ? type : 'object';
}

function sentence(text: string): string {
  const first = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?)]$/.test(first) ? first : `${first}.`;
}

function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replaceAll(' ', '-');
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
