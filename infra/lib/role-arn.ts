// The parts of an IAM role ARN a CDK role is declared with.

/** `arn:aws:iam::1:role/a/b/name` → `{ name: 'name', path: '/a/b/' }`. */
export function roleNameAndPath(arn: string): { name: string; path: string } {
  const resource = arn.slice(arn.indexOf(':role/') + ':role/'.length);
  const cut = resource.lastIndexOf('/');
  return cut < 0
    ? { name: resource, path: '/' }
    : { name: resource.slice(cut + 1), path: `/${resource.slice(0, cut + 1)}` };
}
