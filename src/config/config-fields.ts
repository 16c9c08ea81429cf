// Building blocks of the config schema: strict mappings that name the nearest valid key,
// leaf fields with hand-written messages, and ISO 8601 durations with ranges. Messages
// follow "problem; fix" and leave the path to the formatter.
import { z } from 'zod';
import { DAY, HOUR, MINUTE, parseDuration, type Millis } from '../core/duration.js';
import { nearest } from './nearest.js';

/** What a leaf check returns: the value, or a message (and optional hints for the formatter). */
export type FieldCheck<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly message: string;
      readonly params?: Readonly<Record<string, unknown>>;
    };

/** Marks an issue about a YAML number whose source text the formatter should quote. */
export const QUOTE_SOURCE = 'quoteSource';

/**
 * A mapping that refuses unknown keys. Each unknown key gets its own message line, naming
 * the nearest valid key; the formatter splits them (one line per key, in `keys` order).
 * `missing` is the fix shown when the whole mapping is required and absent.
 */
export function strictObject<Shape extends z.core.$ZodLooseShape>(
  shape: Shape,
  options: { readonly missing?: string } = {},
): z.ZodObject<Shape, z.core.$strict> {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => unknownKeyMessage(key, known)).join('\n');
      }
      if (issue.input === undefined && options.missing !== undefined) {
        return `missing; ${options.missing}`;
      }
      return undefined;
    },
  });
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const match = nearest(key, known);
  return match === undefined
    ? `unknown key; valid keys here are ${known.join(', ')}`
    : `unknown key; did you mean "${match}"?`;
}

/** What a hand-checked field looks like in the config's JSON Schema (editors, docs). */
export interface FieldShape {
  /** A JSON Schema fragment for the YAML value, e.g. `{ type: 'string', pattern: ... }`. */
  readonly json: Readonly<Record<string, unknown>>;
  /** The YAML form of a parsed value (a default), e.g. milliseconds back to `PT1H`. */
  readonly toYaml?: (value: unknown) => unknown;
  /** Whether the key may be left out (the check accepts `undefined`). */
  readonly required: boolean;
}

/** The JSON Schema of each hand-checked field: `z.unknown()` alone would say nothing. */
export const fieldShapes = z.registry<FieldShape>();

/** A leaf field checked by hand; `check` sees the raw YAML value (even `undefined`). */
export function field<T>(
  check: (input: unknown) => FieldCheck<T>,
  shape: Omit<FieldShape, 'required'> = { json: {} },
) {
  const schema = z.unknown().transform((input, ctx): T => {
    const result = check(input);
    if (result.ok) return result.value;
    ctx.issues.push({
      code: 'custom',
      message: result.message,
      input,
      ...(result.params === undefined ? {} : { params: result.params }),
    });
    return z.NEVER;
  });
  fieldShapes.add(schema, { ...shape, required: !check(undefined).ok });
  return schema;
}

export interface DurationRange {
  readonly min: Millis;
  readonly max?: Millis;
  /** Require a whole number of days (eligibility). */
  readonly wholeDays?: boolean;
}

// What parseDuration accepts, for editors: weeks, days, hours, minutes and seconds.
const DURATION_PATTERN = String.raw`^P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$`;
const WHOLE_DAYS_PATTERN = String.raw`^P(?!$)(\d+W)?(\d+D)?$`;

/** An ISO 8601 duration (`PT8H`) in milliseconds, within `range`. */
export function durationField(range: DurationRange) {
  const bounds = `at least ${isoOf(range.min)}${range.max === undefined ? '' : `, at most ${isoOf(range.max)}`}`;
  return field((input) => checkDuration(input, range), {
    json: {
      type: 'string',
      pattern: range.wholeDays === true ? WHOLE_DAYS_PATTERN : DURATION_PATTERN,
      description: `ISO 8601 duration${range.wholeDays === true ? ' in whole days' : ''}, ${bounds}`,
    },
    toYaml: (value) => (typeof value === 'number' ? isoOf(value) : value),
  });
}

/** Checks one duration value; exported for checks that compare two durations. */
export function checkDuration(input: unknown, range: DurationRange): FieldCheck<Millis> {
  const example = range.wholeDays === true ? 'P90D' : 'PT1H';
  if (input === undefined) {
    return { ok: false, message: `missing; give an ISO 8601 duration such as ${example}` };
  }
  if (typeof input !== 'string') {
    return {
      ok: false,
      message: `expected an ISO 8601 duration such as ${example}, got ${describeValue(input)}; write it like PT30M, PT8H or P90D`,
    };
  }
  const parsed = parseDuration(input);
  if (!parsed.ok) return { ok: false, message: parsed.reason };
  const millis = parsed.millis;
  if (range.wholeDays === true && millis % DAY !== 0) {
    return { ok: false, message: `${input} is not a whole number of days; write it like P90D` };
  }
  if (millis < range.min) {
    return {
      ok: false,
      message: `${input} is shorter than ${durationWords(range.min)}; use ${isoOf(range.min)} or more`,
    };
  }
  if (range.max !== undefined && millis > range.max) {
    return {
      ok: false,
      message: `${input} is longer than ${durationWords(range.max)}; use ${isoOf(range.max)} or less`,
    };
  }
  return { ok: true, value: millis };
}

/** ISO text of a bound, in the units people write: `PT24H` rather than `P1D`. */
export function isoOf(millis: Millis): string {
  if (millis % DAY === 0 && millis > 2 * DAY) return `P${millis / DAY}D`;
  const hours = Math.floor(millis / HOUR);
  const minutes = Math.floor((millis % HOUR) / MINUTE);
  const seconds = Math.round((millis % MINUTE) / 1000);
  return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
}

/** A bound in words: `24 hours`, `30 minutes`, `1 hour 30 minutes`. */
export function durationWords(millis: Millis): string {
  if (millis % DAY === 0 && millis > 2 * DAY) return plural(millis / DAY, 'day');
  const parts: string[] = [];
  const hours = Math.floor(millis / HOUR);
  const minutes = Math.floor((millis % HOUR) / MINUTE);
  const seconds = Math.round((millis % MINUTE) / 1000);
  if (hours) parts.push(plural(hours, 'hour'));
  if (minutes) parts.push(plural(minutes, 'minute'));
  if (seconds) parts.push(plural(seconds, 'second'));
  return parts.join(' ');
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** A YAML value as it should appear after "got": `"abc"`, `8`, `a list`, `an empty value`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return typeof value;
}
