// The inline policy of a permission set: JSON text or a YAML mapping, checked the way IAM
// would check it (a JSON object with Version and Statement, within the size limits) and
// stored minified, as Identity Center receives it.
import { describeValue, type FieldCheck } from './config-fields.js';

/** Identity Center's limit on an inline policy, in bytes. */
export const INLINE_POLICY_MAX_BYTES = 32_768;
/** IAM's limit on a role's inline policies, in characters not counting whitespace. */
export const INLINE_POLICY_MAX_CHARACTERS = 10_240;

const VERSIONS = ['2012-10-17', '2008-10-17'];
const FIX = 'write the policy as a JSON object (or a YAML mapping) with Version and Statement';

/** Checks an inline policy and returns it as minified JSON. */
export function checkInlinePolicy(input: unknown): FieldCheck<string> {
  let policy: unknown;
  if (typeof input === 'string') {
    try {
      policy = JSON.parse(input);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : 'unreadable';
      return { ok: false, message: `is not valid JSON (${reason}); ${FIX}` };
    }
  } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    policy = input;
  } else {
    return {
      ok: false,
      message: `expected a JSON policy document (text or a mapping), got ${describeValue(input)}; ${FIX}`,
    };
  }
  const shape = checkShape(policy);
  if (shape !== undefined) return { ok: false, message: `${shape}; ${FIX}` };
  const minified = JSON.stringify(policy);
  const bytes = new TextEncoder().encode(minified).length;
  if (bytes > INLINE_POLICY_MAX_BYTES) {
    return {
      ok: false,
      message: `is ${bytes.toLocaleString('en-US')} bytes minified, over the limit of ${INLINE_POLICY_MAX_BYTES.toLocaleString('en-US')}; move statements into a customer-managed policy`,
    };
  }
  const characters = minified.replace(/\s/g, '').length;
  if (characters > INLINE_POLICY_MAX_CHARACTERS) {
    return {
      ok: false,
      message: `is ${characters.toLocaleString('en-US')} characters (not counting whitespace), over AWS's limit of ${INLINE_POLICY_MAX_CHARACTERS.toLocaleString('en-US')}; move statements into a customer-managed policy`,
    };
  }
  return { ok: true, value: minified };
}

function checkShape(policy: unknown): string | undefined {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    return `is JSON but not an object (got ${describeValue(policy)})`;
  }
  const document = policy as Record<string, unknown>;
  if (!('Version' in document)) return 'has no Version (use "2012-10-17")';
  if (typeof document.Version !== 'string' || !VERSIONS.includes(document.Version)) {
    return `has Version ${describeValue(document.Version)}; IAM accepts "2012-10-17"`;
  }
  const statement = document.Statement;
  if (statement === undefined) return 'has no Statement';
  const statements: unknown[] = Array.isArray(statement) ? statement : [statement];
  if (statements.length === 0) return 'has an empty Statement list';
  for (const [index, item] of statements.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return `Statement[${index}] is ${describeValue(item)}, not an object`;
    }
    const effect = (item as Record<string, unknown>).Effect;
    if (effect !== 'Allow' && effect !== 'Deny') {
      return `Statement[${index}].Effect is ${describeValue(effect)}; it must be "Allow" or "Deny"`;
    }
  }
  return undefined;
}
