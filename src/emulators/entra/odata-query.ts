// The OData query options the emulator understands: `$filter` (eq, ne, in, startswith,
// joined by and/or, with parentheses), `$select`, `$top` with `@odata.nextLink` paging via
// an opaque `$skiptoken`. Anything else Graph would accept is refused with a clear 400, so
// a client never silently gets unfiltered data.

import { badRequest, GraphError } from './graph-error.js';

export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly items: readonly FilterNode[] }
  | {
      readonly kind: 'cmp';
      readonly op: 'eq' | 'ne';
      readonly property: string;
      readonly value: Literal;
    }
  | { readonly kind: 'in'; readonly property: string; readonly values: readonly Literal[] }
  | { readonly kind: 'startswith'; readonly property: string; readonly value: Literal };

export type Literal = string | number | boolean | null;

type Token =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'word'; readonly v: string }
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'punct'; readonly v: '(' | ')' | ',' };

const invalidFilter = (detail: string): GraphError =>
  badRequest(`Invalid filter clause: ${detail}`);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw invalidFilter('a string literal is not closed with a quote.');
        const d = text[i] ?? '';
        if (d === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += d;
        i += 1;
      }
      tokens.push({ t: 'str', v: value });
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: 'punct', v: c });
      i += 1;
    } else {
      const match = /^[A-Za-z0-9_./@$-]+/.exec(text.slice(i));
      if (match === null) throw invalidFilter(`unexpected character '${c}' at position ${i}.`);
      const word = match[0];
      i += word.length;
      if (/^-?\d+(\.\d+)?$/.test(word)) tokens.push({ t: 'num', v: Number(word) });
      else tokens.push({ t: 'word', v: word });
    }
  }
  return tokens;
}

class Parser {
  #pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  parse(): FilterNode {
    const node = this.#or();
    if (this.#pos < this.tokens.length)
      throw invalidFilter(`unexpected '${this.#describe(this.tokens[this.#pos])}'.`);
    return node;
  }

  #describe(token: Token | undefined): string {
    if (token === undefined) return 'end of filter';
    return String(token.v);
  }

  #peekWord(word: string): boolean {
    const token = this.tokens[this.#pos];
    return token?.t === 'word' && token.v.toLowerCase() === word;
  }

  #expectPunct(p: '(' | ')' | ','): void {
    const token = this.tokens[this.#pos];
    if (token?.t !== 'punct' || token.v !== p)
      throw invalidFilter(`expected '${p}' but found '${this.#describe(token)}'.`);
    this.#pos += 1;
  }

  #or(): FilterNode {
    const items = [this.#and()];
    while (this.#peekWord('or')) {
      this.#pos += 1;
      items.push(this.#and());
    }
    return items.length === 1 ? (items[0] as FilterNode) : { kind: 'or', items };
  }

  #and(): FilterNode {
    const items = [this.#term()];
    while (this.#peekWord('and')) {
      this.#pos += 1;
      items.push(this.#term());
    }
    return items.length === 1 ? (items[0] as FilterNode) : { kind: 'and', items };
  }

  #literal(): Literal {
    const token = this.tokens[this.#pos];
    this.#pos += 1;
    if (token?.t === 'str' || token?.t === 'num') return token.v;
    if (token?.t === 'word') {
      const w = token.v.toLowerCase();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'null') return null;
      // Graph accepts unquoted GUIDs for Edm.Guid properties.
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(token.v))
        return token.v;
    }
    throw invalidFilter(
      `expected a value but found '${this.#describe(token)}'; quote strings like 'value'.`,
    );
  }

  #term(): FilterNode {
    const token = this.tokens[this.#pos];
    if (token?.t === 'punct' && token.v === '(') {
      this.#pos += 1;
      const inner = this.#or();
      this.#expectPunct(')');
      return inner;
    }
    if (token?.t !== 'word')
      throw invalidFilter(`expected a property but found '${this.#describe(token)}'.`);
    this.#pos += 1;
    if (token.v.toLowerCase() === 'startswith') {
      this.#expectPunct('(');
      const property = this.tokens[this.#pos];
      if (property?.t !== 'word') throw invalidFilter('startswith needs a property name first.');
      this.#pos += 1;
      this.#expectPunct(',');
      const value = this.#literal();
      this.#expectPunct(')');
      return { kind: 'startswith', property: property.v, value };
    }
    const op = this.tokens[this.#pos];
    this.#pos += 1;
    const opName = op?.t === 'word' ? op.v.toLowerCase() : '';
    if (opName === 'eq' || opName === 'ne')
      return { kind: 'cmp', op: opName, property: token.v, value: this.#literal() };
    if (opName === 'in') {
      this.#expectPunct('(');
      const values = [this.#literal()];
      while (this.tokens[this.#pos]?.t === 'punct' && this.tokens[this.#pos]?.v === ',') {
        this.#pos += 1;
        values.push(this.#literal());
      }
      this.#expectPunct(')');
      return { kind: 'in', property: token.v, values };
    }
    throw invalidFilter(
      `the operator '${this.#describe(op)}' is not supported by the emulator; use eq, ne, in or startswith, joined by and/or.`,
    );
  }
}

export function parseFilter(text: string): FilterNode {
  if (text.length > 4000) throw invalidFilter('the filter is longer than 4,000 characters.');
  return new Parser(tokenize(text)).parse();
}

/** Property names a filter refers to. */
export function filterProperties(node: FilterNode): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.flatMap(filterProperties);
    case 'cmp':
    case 'in':
    case 'startswith':
      return [node.property];
  }
}

/** Checks every property against the type's filterable ones; throws Graph's 400 otherwise. */
export function checkFilterProperties(
  node: FilterNode,
  allowed: readonly string[],
  typeName: string,
): void {
  for (const property of filterProperties(node)) {
    if (!allowed.some((a) => a.toLowerCase() === property.toLowerCase()))
      throw badRequest(
        `Invalid filter clause: Could not find a property named '${property}' on type '${typeName}', or it cannot be filtered on. Filterable here: ${allowed.join(', ')}.`,
      );
  }
}

function same(actual: unknown, expected: Literal): boolean {
  if (typeof actual === 'string' && typeof expected === 'string')
    return actual.toLowerCase() === expected.toLowerCase();
  if (Array.isArray(actual)) return actual.some((a) => same(a, expected));
  return (actual ?? null) === expected;
}

/** Evaluates a filter; `get` reads a property of the item (case-insensitively named). */
export function matchesFilter(node: FilterNode, get: (property: string) => unknown): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => matchesFilter(n, get));
    case 'or':
      return node.items.some((n) => matchesFilter(n, get));
    case 'cmp':
      return node.op === 'eq'
        ? same(get(node.property), node.value)
        : !same(get(node.property), node.value);
    case 'in':
      return node.values.some((v) => same(get(node.property), v));
    case 'startswith': {
      const actual = get(node.property);
      return (
        typeof actual === 'string' &&
        typeof node.value === 'string' &&
        actual.toLowerCase().startsWith(node.value.toLowerCase())
      );
    }
  }
}

/** Values the filter requires `property` to equal (top-level `eq`s and `or`s of them). */
export function equalityValues(node: FilterNode, property: string): string[] | undefined {
  const p = property.toLowerCase();
  switch (node.kind) {
    case 'cmp':
      return node.op === 'eq' && node.property.toLowerCase() === p && typeof node.value === 'string'
        ? [node.value]
        : undefined;
    case 'in':
      return node.property.toLowerCase() === p
        ? node.values.filter((v): v is string => typeof v === 'string')
        : undefined;
    case 'and':
      for (const item of node.items) {
        const values = equalityValues(item, property);
        if (values !== undefined) return values;
      }
      return undefined;
    case 'or': {
      const all: string[] = [];
      for (const item of node.items) {
        const values = equalityValues(item, property);
        if (values === undefined) return undefined;
        all.push(...values);
      }
      return all;
    }
    case 'startswith':
      return undefined;
  }
}

/** Reads a property case-insensitively from a plain object. */
export function propertyOf(item: Readonly<Record<string, unknown>>, property: string): unknown {
  const p = property.toLowerCase();
  for (const [key, value] of Object.entries(item)) if (key.toLowerCase() === p) return value;
  return undefined;
}

/** The query options a list endpoint supports; others are refused. */
export interface ListQueryOptions {
  readonly typeName: string;
  readonly filterable: readonly string[];
  readonly selectable: readonly string[];
  readonly defaultTop: number;
  readonly maxTop: number;
  /** Extra `$` options this endpoint takes (e.g. `$expand`). */
  readonly extra?: readonly string[];
}

export interface ListQuery {
  readonly filter: FilterNode | undefined;
  readonly select: readonly string[] | undefined;
  readonly top: number;
  readonly offset: number;
}

const standardOptions = ['$filter', '$select', '$top', '$skiptoken'];

export function parseListQuery(query: URLSearchParams, options: ListQueryOptions): ListQuery {
  for (const key of new Set(query.keys())) {
    if (!key.startsWith('$')) continue;
    if (
      !standardOptions.includes(key.toLowerCase()) &&
      !(options.extra ?? []).includes(key.toLowerCase())
    )
      throw new GraphError(
        400,
        'Request_UnsupportedQuery',
        `The query option ${key} is not supported by the Entra emulator on ${options.typeName}; supported: ${[...standardOptions, ...(options.extra ?? [])].join(', ')}.`,
      );
  }
  const filterText = query.get('$filter');
  let filter: FilterNode | undefined;
  if (filterText !== null && filterText.trim() !== '') {
    filter = parseFilter(filterText);
    checkFilterProperties(filter, options.filterable, options.typeName);
  }
  const select = parseSelect(query.get('$select'), options.selectable, options.typeName);
  const topText = query.get('$top');
  let top = options.defaultTop;
  if (topText !== null) {
    const n = Number(topText);
    if (!Number.isInteger(n) || n < 1 || n > options.maxTop)
      throw badRequest(
        `Invalid value '${topText.slice(0, 20)}' for query parameter $top: use an integer from 1 to ${options.maxTop}.`,
        'Request_BadRequest',
      );
    top = n;
  }
  return { filter, select, top, offset: parseSkipToken(query.get('$skiptoken')) };
}

export function parseSelect(
  text: string | null,
  selectable: readonly string[],
  typeName: string,
): string[] | undefined {
  if (text === null || text.trim() === '') return undefined;
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return names.map((name) => {
    const known = selectable.find((s) => s.toLowerCase() === name.toLowerCase());
    if (known === undefined)
      throw badRequest(
        `Could not find a property named '${name}' on type '${typeName}'.`,
        'Request_BadRequest',
      );
    return known;
  });
}

function parseSkipToken(token: string | null): number {
  if (token === null) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'o' in parsed) {
      const offset = parsed.o;
      if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
    }
  } catch {
    // fall through
  }
  throw badRequest(
    'The $skiptoken is not valid: follow @odata.nextLink as it was returned.',
    'Request_BadRequest',
  );
}

export function skipToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** Keeps the selected properties (all when no `$select`). */
export function project(
  item: Readonly<Record<string, unknown>>,
  select: readonly string[] | undefined,
): Record<string, unknown> {
  if (select === undefined) return { ...item };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(item)) if (key.startsWith('@odata.')) out[key] = item[key];
  for (const name of select) out[name] = item[name] ?? null;
  return out;
}

/**
 * One page of `items` as Graph answers a list: `@odata.context`, `value`, and
 * `@odata.nextLink` (the same URL with a `$skiptoken`) when more remain.
 */
export function listPage(
  items: readonly Record<string, unknown>[],
  query: ListQuery,
  pageUrl: { readonly base: string; readonly path: string; readonly search: URLSearchParams },
  context: string,
): Record<string, unknown> {
  const page = items
    .slice(query.offset, query.offset + query.top)
    .map((i) => project(i, query.select));
  const body: Record<string, unknown> = { '@odata.context': context };
  if (query.offset + query.top < items.length) {
    const next = new URLSearchParams(pageUrl.search);
    next.set('$skiptoken', skipToken(query.offset + query.top));
    body['@odata.nextLink'] =
      `${pageUrl.base}${pageUrl.path}?${next.toString().replaceAll('%24', '$')}`;
  }
  body.value = page;
  return body;
}
