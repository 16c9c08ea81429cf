// The least-privilege check: the actions the synthesised templates grant the controller
// (task role and cross-account role) and the provisioner, against what the product sends.
import { ACTION_RULES } from '../lib/controller-permissions.js';

interface TemplateJson {
  readonly Resources: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>
  >;
}

/** Every Allow action of the IAM roles and managed policies whose logical id starts with one
 *  of the prefixes. */
export function grantedActions(
  template: TemplateJson,
  logicalIdPrefixes: readonly string[],
): string[] {
  const out = new Set<string>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (!logicalIdPrefixes.some((prefix) => id.startsWith(prefix))) continue;
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (resource.Properties?.['Policies'] as
        { PolicyDocument: unknown }[] | undefined) ?? [])
        documents.push(policy.PolicyDocument);
    } else if (resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(resource.Properties?.['PolicyDocument']);
    } else continue;
    for (const document of documents) {
      for (const statement of (
        document as { Statement: { Effect: string; Action: string | string[] }[] }
      ).Statement) {
        if (statement.Effect !== 'Allow') continue;
        for (const action of [statement.Action].flat()) out.add(action);
      }
    }
  }
  return [...out].sort();
}

/** What is wrong with `granted`, given the operations sent (action → the files sending it)
 *  and those this deployment needs no permission for. Empty when exact. */
export function leastPrivilegeProblems(
  granted: readonly string[],
  sent: ReadonlyMap<string, readonly string[]>,
  omitted: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const held = new Set(granted);
  const allowed = new Set<string>();
  for (const [action, files] of sent) {
    if (omitted.has(action)) continue;
    allowed.add(action);
    for (const extra of ACTION_RULES[action]?.also ?? []) {
      allowed.add(extra.action);
      if (!held.has(extra.action))
        problems.push(`${extra.action} is required with ${action} but no role holds it`);
    }
    if (!held.has(action))
      problems.push(`${action} is sent by ${files.join(', ')} but no role holds it`);
  }
  for (const action of granted) {
    if (!allowed.has(action))
      problems.push(`${action} is held but nothing the product sends needs it`);
  }
  return problems.sort();
}
