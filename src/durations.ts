import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `15m`, `24h`, `30d`, `2w` → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!match || Number(match[1]) <= 0) {
    throw new UsageError(`invalid ${flag} '${text}': expected a duration such as 30m, 24h, 30d or 2w`);
  }
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** A moment given as a duration from now (`30d`) or an ISO date/time (`2027-01-31`). */
export function parseMoment(text: string, flag: string, now = Date.now()): Date {
  if (/^\d+\s*[smhdw]$/.test(text.trim())) return new Date(now + parseDuration(text, flag));
  const date = new Date(text);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new UsageError(`invalid ${flag} '${text}': expected a duration such as 30d or a date such as 2027-01-31`);
  }
  return date;
}
