import { UsageError } from '../../../errors.js';
import { parseDuration } from '../../../durations.js';

/**
 * A moment in the past, as epoch ms: a duration back from now (`24h`, `30m`, `7d`) or an ISO date or
 * date-time (`2027-01-31`, `2027-01-31T12:00:00Z`).
 */
export function parsePast(text: string, flag: string, now = Date.now()): number {
  if (/^\d+\s*[smhdw]$/.test(text.trim())) return now - parseDuration(text, flag);
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    throw new UsageError(
      `invalid ${flag} '${text}': expected a duration such as 24h or 7d, or a date such as 2027-01-31`,
    );
  }
  return at;
}

/** Local `YYYY-MM-DD HH:MM:SS` for tables. */
export function formatTime(at: number): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** `$0`, `$0.0123` (three significant digits below a dollar), `$12.34`. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(3).replace(/\.?0+$/, '')}`;
}

/** `1234 ms` → `1.23s`, small ones stay in ms. */
export function formatMs(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}
