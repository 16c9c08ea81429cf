// Config paths as people read them in error lines: `roles.ec2-admin.accounts[0]`.

const PLAIN = /^[\w-]+$/;

/** Formats a path of keys and indexes; keys with dots or spaces are quoted: `permissionSets["a.b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (!PLAIN.test(key)) out += `[${JSON.stringify(key)}]`;
      else out += out === '' ? key : `.${key}`;
    }
  }
  return out;
}
