/**
 * Values as people read them in `key: value` views: rounded numbers, times in the local zone with
 * the zone named and how long ago, lists and small objects on one line.
 */

/** An ISO-8601 date-time, as the store and the JSON output write them. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

export function humanValue(value: unknown, now = Date.now()): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string' && ISO_TIME.test(value)) return formatMoment(Date.parse(value), now);
  if (Array.isArray(value)) return value.length ? value.map((v) => humanValue(v, now)).join(', ') : '-';
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '-';
    return entries
      .map(
        ([k, v]) =>
          `${k}: ${typeof v === 'object' && v !== null && !Array.isArray(v) ? JSON.stringify(v) : humanValue(v, now)}`,
      )
      .join(', ');
  }
  return String(value);
}

/**
 * A number as precise as a reader needs: whole numbers as they are, others to two decimals, and small
 * fractions to their first significant digits (`0.004888999` → `0.005`, `0.0000123` → `0.00001`).
 */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  const digits = magnitude >= 1 ? 2 : magnitude >= 0.001 ? 3 : 1;
  const text = magnitude >= 0.001 ? value.toFixed(digits) : value.toPrecision(digits);
  return String(Number(text));
}

/** `2026-12-01 21:04 UTC (3 min ago)`: local time, its zone, and the distance from now. */
export function formatMoment(at: number, now = Date.now()): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  return `${local} ${zoneLabel(d)} (${relativeTime(at, now)})`;
}

/**
 * The local zone as its offset from UTC (`UTC`, `UTC+2`, `UTC-3:30`): exact, and unlike a zone's
 * name from Intl it needs no ICU data, which takes a short command tens of milliseconds to load.
 */
export function zoneLabel(d: Date): string {
  const offset = -d.getTimezoneOffset();
  if (offset === 0) return 'UTC';
  const hours = Math.floor(Math.abs(offset) / 60);
  const minutes = Math.abs(offset) % 60;
  return `UTC${offset > 0 ? '+' : '-'}${hours}${minutes ? `:${String(minutes).padStart(2, '0')}` : ''}`;
}

/** `just now`, `3 min ago`, `5 h ago`, `12 days ago`, or `in 30 days` for a time to come. */
export function relativeTime(at: number, now = Date.now()): string {
  const seconds = Math.round((now - at) / 1000);
  const span = Math.abs(seconds);
  if (span < 45) return 'just now';
  const [count, unit] =
    span < 3600
      ? [Math.round(span / 60), 'min']
      : span < 86_400
        ? [Math.round(span / 3600), 'h']
        : span < 86_400 * 60
          ? [Math.round(span / 86_400), Math.round(span / 86_400) === 1 ? 'day' : 'days']
          : [Math.round(span / (86_400 * 30.44)), 'months'];
  return seconds >= 0 ? `${count} ${unit} ago` : `in ${count} ${unit}`;
}
