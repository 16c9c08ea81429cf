// NextToken/MaxResults pagination over a stable, already sorted list. The token is opaque
// to clients: the offset plus the operation it belongs to, so a token from one listing is
// refused by another (as AWS refuses foreign tokens).

import { Buffer } from 'node:buffer';
import { validationError } from './aws-error.js';
import type { JsonInput } from './json-input.js';

export interface Page<T> {
  readonly items: T[];
  readonly nextToken: string | undefined;
}

export function paginate<T>(
  items: readonly T[],
  input: JsonInput,
  scope: string,
  maxPage = 100,
): Page<T> {
  const max = input.optInteger('MaxResults', 1, maxPage) ?? maxPage;
  const token = input.optString('NextToken');
  let offset = 0;
  if (token !== undefined) offset = decodeToken(token, scope);
  const page = items.slice(offset, offset + max);
  const next = offset + max < items.length ? encodeToken(offset + max, scope) : undefined;
  return { items: page, nextToken: next };
}

function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64url');
}

function decodeToken(token: string, scope: string): number {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof decoded === 'object' && decoded !== null && 'o' in decoded && 's' in decoded) {
      const { o, s } = decoded;
      if (typeof o === 'number' && Number.isInteger(o) && o >= 0 && s === scope) return o;
    }
  } catch {
    // fall through to the validation error
  }
  throw validationError('The NextToken is invalid or expired');
}
