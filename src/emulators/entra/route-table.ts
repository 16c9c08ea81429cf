// Matches a method and a path against a table of route patterns such as
// `/groups/{id}/members/$ref`. Each route carries its operation name, which is what call
// counts and fault injection are keyed by.

export interface RouteMatch<H> {
  readonly operation: string;
  readonly handler: H;
  /** The `{…}` segments, decoded, in order. */
  readonly params: readonly string[];
}

export type RouteLookup<H> =
  | { readonly kind: 'found'; readonly match: RouteMatch<H> }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found'; readonly segment: string };

interface Route<H> {
  readonly method: string;
  readonly segments: readonly string[];
  readonly operation: string;
  readonly handler: H;
}

function splitPath(path: string): string[] | undefined {
  const raw = path.split('/').filter((s) => s !== '');
  try {
    return raw.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

export class RouteTable<H> {
  readonly #routes: Route<H>[] = [];

  /** `pattern` relative to the table's prefix; `operation` defaults to `METHOD pattern`. */
  add(method: string, pattern: string, handler: H, operation?: string): this {
    this.#routes.push({
      method,
      segments: pattern.split('/').filter((s) => s !== ''),
      operation: operation ?? `${method} ${pattern}`,
      handler,
    });
    return this;
  }

  lookup(method: string, path: string): RouteLookup<H> {
    const segments = splitPath(path);
    if (segments === undefined) return { kind: 'not-found', segment: path };
    const allowed: string[] = [];
    let deepest = 0;
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (typeof params === 'number') {
        deepest = Math.max(deepest, params);
        continue;
      }
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      return {
        kind: 'found',
        match: { operation: route.operation, handler: route.handler, params },
      };
    }
    if (allowed.length > 0) return { kind: 'method-not-allowed', allowed };
    return { kind: 'not-found', segment: segments[deepest] ?? '' };
  }
}

/** The params when the route matches, else how many leading segments matched. */
function matchSegments(pattern: readonly string[], path: readonly string[]): string[] | number {
  const params: string[] = [];
  for (let i = 0; i < Math.max(pattern.length, path.length); i++) {
    const p = pattern[i];
    const s = path[i];
    if (p === undefined || s === undefined) return i;
    if (p.startsWith('{') && p.endsWith('}')) params.push(s);
    else if (p.toLowerCase() !== s.toLowerCase()) return i;
  }
  return params;
}
