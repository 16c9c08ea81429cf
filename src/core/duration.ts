// ISO 8601 durations as used by AWS (PT1H..PT12H) and Entra PIM (PT30M..PT24H, P365D).
// Only exact units are accepted: weeks, days, hours, minutes and seconds. Years and months
// have no fixed length, so `P1Y` is refused with a suggestion in days.

/** A length of time in milliseconds. */
export type Millis = number;

export const SECOND: Millis = 1_000;
export const MINUTE: Millis = 60 * SECOND;
export const HOUR: Millis = 60 * MINUTE;
export const DAY: Millis = 24 * HOUR;

const PATTERN = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export type ParseDurationResult =
  { readonly ok: true; readonly millis: Millis } | { readonly ok: false; readonly reason: string };

/** Parses an ISO 8601 duration such as `PT1H30M` or `P365D`. */
export function parseDuration(text: string): ParseDurationResult {
  if (/^P\d+[YM]/.test(text) || /^P(?:\d+[WD])*\d+[YM]/.test(text)) {
    return {
      ok: false,
      reason: `${text} uses years or months, which have no fixed length; write it in days, e.g. P365D`,
    };
  }
  const match = PATTERN.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) {
    return {
      ok: false,
      reason: `${JSON.stringify(text)} is not an ISO 8601 duration; write it like PT30M, PT8H or P365D`,
    };
  }
  const [, weeks, days, hours, minutes, seconds] = match;
  const millis =
    num(weeks) * 7 * DAY +
    num(days) * DAY +
    num(hours) * HOUR +
    num(minutes) * MINUTE +
    Math.round(num(seconds) * 1000);
  if (millis <= 0) {
    return { ok: false, reason: `${text} is zero; a duration must be longer than that` };
  }
  return { ok: true, millis };
}

function num(part: string | undefined): number {
  return part === undefined ? 0 : Number(part);
}

/** Formats milliseconds as an ISO 8601 duration: whole weeks and more in days (`P365D`),
 *  anything shorter in hours, minutes and seconds (`PT48H`, as PIM and AWS write them). */
export function formatDuration(millis: Millis): string {
  if (millis <= 0) return 'PT0S';
  let rest = millis;
  const days = millis >= 7 * DAY ? Math.floor(rest / DAY) : 0;
  rest -= days * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = rest / 1000;
  let out = 'P';
  if (days) out += `${days}D`;
  if (hours || minutes || seconds) {
    out += 'T';
    if (hours) out += `${hours}H`;
    if (minutes) out += `${minutes}M`;
    if (seconds) out += `${Number(seconds.toFixed(3))}S`;
  }
  return out;
}

/** Formats milliseconds for people: `1h 30m`, `45m`, `2d 4h`. */
export function humanDuration(millis: Millis): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(millis / 1000));
  const units: ReadonlyArray<readonly [string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  return parts.length === 0 ? '0s' : parts.slice(0, 2).join(' ');
}
