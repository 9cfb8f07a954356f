import type { Period } from './limits.js';

/**
 * Fixed calendar windows in UTC: a minute ends at the next :00 second, an hour at the next top of the
 * hour, a day at midnight UTC, a week on Monday 00:00 UTC, a month on the 1st 00:00 UTC.
 */
export function windowOf(period: Period, now: number): { start: number; end: number } {
  switch (period) {
    case 'minute': {
      const start = now - (now % 60_000);
      return { start, end: start + 60_000 };
    }
    case 'hour': {
      const start = now - (now % 3_600_000);
      return { start, end: start + 3_600_000 };
    }
    case 'day': {
      const start = now - (now % 86_400_000);
      return { start, end: start + 86_400_000 };
    }
    case 'week': {
      const day = now - (now % 86_400_000);
      const sinceMonday = (new Date(now).getUTCDay() + 6) % 7;
      const start = day - sinceMonday * 86_400_000;
      return { start, end: start + 7 * 86_400_000 };
    }
    case 'month': {
      const d = new Date(now);
      const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      return { start, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
    }
  }
}
