// EventBridge Scheduler's schedule expressions: `at(yyyy-mm-ddThh:mm:ss)` (one-time, in
// ScheduleExpressionTimezone, UTC by default), `rate(value unit)` and `cron(six fields)`.
// Pure functions; a malformed expression is a returned reason, not a throw. Only `at()`
// gets a due time: the emulator does not run recurring schedules.

export type ParsedExpression =
  | { readonly kind: 'at'; readonly wallClock: WallClock }
  | { readonly kind: 'rate' }
  | { readonly kind: 'cron' };

export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const atPattern = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const ratePattern = /^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$/;
const cronPattern = /^cron\(([^()]+)\)$/;

export function parseScheduleExpression(expression: string): Parsed<ParsedExpression> {
  const at = atPattern.exec(expression);
  if (at !== null) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const wallClock = { year, month, day, hour, minute, second };
    if (!isCalendarTime(wallClock)) {
      return { ok: false, reason: `${expression} is not a valid date and time` };
    }
    return { ok: true, value: { kind: 'at', wallClock } };
  }
  if (ratePattern.test(expression)) return { ok: true, value: { kind: 'rate' } };
  const cron = cronPattern.exec(expression);
  if (cron?.[1] !== undefined) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      return {
        ok: false,
        reason: `${expression} needs six fields (minutes hours day-of-month month day-of-week year)`,
      };
    }
    return { ok: true, value: { kind: 'cron' } };
  }
  return {
    ok: false,
    reason: `${expression} is not at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)`,
  };
}

function isCalendarTime(t: WallClock): boolean {
  const ms = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  const d = new Date(ms);
  return (
    d.getUTCFullYear() === t.year &&
    d.getUTCMonth() === t.month - 1 &&
    d.getUTCDate() === t.day &&
    d.getUTCHours() === t.hour &&
    d.getUTCMinutes() === t.minute &&
    d.getUTCSeconds() === t.second
  );
}

/** Whether `zone` is an IANA time zone name the runtime knows (`UTC` included). Offsets
 *  such as `+01:00`, which newer runtimes also accept, are not time zone names. */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][\w+-]*(\/[\w+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** How far `zone`'s wall clock is ahead of UTC at the instant `utcMs`. */
function zoneOffsetMs(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(utcMs);
  const field = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? Number.NaN);
  const asUtc = Date.UTC(
    field('year'),
    field('month') - 1,
    field('day'),
    field('hour'),
    field('minute'),
    field('second'),
  );
  return asUtc - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

const dayMs = 86_400_000;

/**
 * The UTC instant at which `zone`'s clock shows `wallClock`. The candidates are the wall
 * time less each offset in force within a day of it (a zone changes offset at most once in
 * that span). AWS does not document the two edge cases: a time shown twice (autumn) is its
 * first occurrence, and a time that the spring change skips is taken after the gap (02:30
 * becomes 03:30), so a schedule never fires before the time it names.
 */
export function wallClockToUtc(wallClock: WallClock, zone: string): number {
  const t = wallClock;
  const naive = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  if (zone === 'UTC') return naive;
  const candidates = [
    ...new Set([-dayMs, 0, dayMs].map((d) => naive - zoneOffsetMs(zone, naive + d))),
  ];
  const shown = candidates.filter((instant) => instant + zoneOffsetMs(zone, instant) === naive);
  return shown.length > 0 ? Math.min(...shown) : Math.max(...candidates);
}
