// IAM-style wildcards: `*` matches any run of characters, `?` exactly one. ArnLike applies
// them per ARN segment, so a `*` never spans the colons between partition, service,
// region and account.

export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  // Iterative glob with backtracking on the last `*`: linear in practice, no regex, so a
  // hostile pattern cannot make it explode.
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    const pc = p[pi];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === v[vi])) {
      pi += 1;
      vi += 1;
    } else if (pc === '*') {
      star = pi;
      mark = vi;
      pi += 1;
    } else if (star !== -1) {
      pi = star + 1;
      mark += 1;
      vi = mark;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi += 1;
  return pi === p.length;
}

/** ArnLike: the first five colon-separated segments match one by one, the rest as one. */
export function arnLike(pattern: string, arn: string): boolean {
  const ps = splitArn(pattern);
  const as = splitArn(arn);
  if (ps.length !== as.length) return false;
  return ps.every((segment, index) => wildcardMatch(segment, as[index] ?? ''));
}

function splitArn(value: string): string[] {
  const parts = value.split(':');
  if (parts.length <= 6) return parts;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}
