// SCIM filters as IdC accepts them: only `eq` comparisons against a quoted string, joined
// with `and`. Anything else (or, not, co, sw, pr, parentheses, unknown attributes) is
// refused with 400 invalidFilter by the caller.

export interface ScimEquality {
  /** Attribute name as written, lower-cased for comparison. */
  readonly attribute: string;
  readonly value: string;
}

export class ScimFilterError extends Error {}

const clause = /^\s*([A-Za-z][\w.]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*/i;
const joiner = /^and\s+/i;

/** Parses `a eq "x" and b eq "y"`; throws ScimFilterError on anything else. */
export function parseScimFilter(filter: string): ScimEquality[] {
  const result: ScimEquality[] = [];
  let rest = filter.trim();
  if (rest === '') throw new ScimFilterError('Empty filter');
  for (;;) {
    const match = clause.exec(rest);
    if (match === null) throw new ScimFilterError(`Unsupported filter: ${filter}`);
    const [whole, attribute = '', raw = ''] = match;
    result.push({ attribute: attribute.toLowerCase(), value: raw.replace(/\\(.)/g, '$1') });
    rest = rest.slice(whole.length);
    if (rest === '') return result;
    const and = joiner.exec(rest);
    if (and === null) throw new ScimFilterError(`Unsupported filter: ${filter}`);
    rest = rest.slice(and[0].length);
  }
}
