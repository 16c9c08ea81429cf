// Checks requests and responses against the AWS API models (the `*.min.json` shipped in the
// aws-sdk package, vendored in test/fixtures/aws-api-models): member names exist, required
// members are present, JSON types match (timestamps are epoch-second numbers), unions
// hold exactly one member. Enum values are checked by the caller against the SDK's enums.

import { readFileSync } from 'node:fs';

export interface ShapeRef {
  readonly shape?: string;
  readonly type?: string;
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly required?: readonly string[];
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly union?: boolean;
  readonly document?: boolean;
}

export interface ApiModel {
  readonly metadata: { readonly targetPrefix: string };
  readonly operations: Readonly<
    Record<string, { readonly input?: ShapeRef; readonly output?: ShapeRef }>
  >;
  readonly shapes: Readonly<Record<string, ShapeRef>>;
}

export const modelsDirectory = new URL('../fixtures/aws-api-models/', import.meta.url);

export function loadApiModel(file: string): ApiModel {
  return JSON.parse(readFileSync(new URL(file, modelsDirectory), 'utf8')) as ApiModel;
}

/** A string leaf with its path, for enum checks. */
export interface Leaf {
  readonly path: string;
  readonly value: string;
}

export interface CheckResult {
  readonly problems: string[];
  readonly leaves: Leaf[];
}

function resolve(model: ApiModel, ref: ShapeRef): ShapeRef {
  if (ref.shape === undefined) return ref;
  const target = model.shapes[ref.shape];
  if (target === undefined) throw new Error(`Model has no shape ${ref.shape}`);
  return resolve(model, target);
}

function kind(ref: ShapeRef): string {
  if (ref.type !== undefined) return ref.type;
  if (ref.members !== undefined) return 'structure';
  return 'string';
}

/** Checks `value` against `ref`; an undefined ref means the operation has no input/output. */
export function checkAgainstShape(
  model: ApiModel,
  ref: ShapeRef | undefined,
  value: unknown,
): CheckResult {
  const result: CheckResult = { problems: [], leaves: [] };
  const empty: ShapeRef = { type: 'structure', members: {} };
  walk(model, ref ?? empty, value, '', result);
  return result;
}

function walk(
  model: ApiModel,
  raw: ShapeRef,
  value: unknown,
  path: string,
  out: CheckResult,
): void {
  const ref = resolve(model, raw);
  const at = path === '' ? '(root)' : path;
  if (ref.document === true) return;
  switch (kind(ref)) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        out.problems.push(`${at}: expected an object`);
        return;
      }
      const record = value as Record<string, unknown>;
      const members = ref.members ?? {};
      for (const name of ref.required ?? []) {
        if (record[name] === undefined)
          out.problems.push(`${at}: required member ${name} is missing`);
      }
      const present = Object.keys(record).filter(
        (k) => record[k] !== undefined && record[k] !== null,
      );
      if (ref.union === true && present.length !== 1)
        out.problems.push(`${at}: a union needs exactly one member, got ${present.length}`);
      for (const name of present) {
        const member = members[name];
        if (member === undefined) out.problems.push(`${at}: unknown member ${name}`);
        else walk(model, member, record[name], path === '' ? name : `${path}.${name}`, out);
      }
      return;
    }
    case 'list':
      if (!Array.isArray(value)) {
        out.problems.push(`${at}: expected a list`);
        return;
      }
      for (const item of value) walk(model, ref.member ?? {}, item, `${path}[]`, out);
      return;
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        out.problems.push(`${at}: expected a map`);
        return;
      }
      for (const [key, item] of Object.entries(value)) {
        walk(model, ref.key ?? {}, key, `${path}{key}`, out);
        walk(model, ref.value ?? {}, item, `${path}{}`, out);
      }
      return;
    case 'timestamp':
      if (typeof value !== 'number' || !(value > 0 && value < 1e11))
        out.problems.push(`${at}: expected epoch seconds, got ${JSON.stringify(value)}`);
      return;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value))
        out.problems.push(`${at}: expected an integer`);
      return;
    case 'float':
    case 'double':
      if (typeof value !== 'number') out.problems.push(`${at}: expected a number`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') out.problems.push(`${at}: expected a boolean`);
      return;
    default:
      if (typeof value !== 'string') out.problems.push(`${at}: expected a string`);
      else out.leaves.push({ path, value });
  }
}
