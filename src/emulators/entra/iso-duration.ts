// ISO 8601 durations as Graph uses them (`PT8H`, `P1D`, `PT30M`, `P1DT2H`, `P2W`).

const pattern =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds, or undefined when the text is not a day/time ISO 8601 duration. */
export function parseIsoDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim().toUpperCase());
  if (
    match === null ||
    text.trim().toUpperCase() === 'P' ||
    text.trim().toUpperCase().endsWith('T')
  )
    return undefined;
  const [, w, d, h, m, s] = match;
  const n = (x: string | undefined): number => (x === undefined ? 0 : Number(x));
  return ((((n(w) * 7 + n(d)) * 24 + n(h)) * 60 + n(m)) * 60 + n(s)) * 1000;
}

/** `PT8H`, `P1DT2H30M`; whole seconds. */
export function formatIsoDuration(ms: number): string {
  let seconds = Math.round(ms / 1000);
  const days = Math.floor(seconds / 86400);
  seconds -= days * 86400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  let time = '';
  if (hours > 0) time += `${hours}H`;
  if (minutes > 0) time += `${minutes}M`;
  if (seconds > 0) time += `${seconds}S`;
  if (days === 0 && time === '') return 'PT0S';
  return `P${days > 0 ? `${days}D` : ''}${time === '' ? '' : `T${time}`}`;
}
