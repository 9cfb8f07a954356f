import {
  addFigures,
  dayOf,
  emptyFigures,
  HOUR,
  MINUTE,
  weekOf,
  type UsageDimension,
  type UsageReport,
} from '../../../store/repos/usage.js';

export type TimeUnit = 'minute' | 'hour' | 'day' | 'week';

/** One time bucket: its start (epoch ms) and its name in a row (`hour: "2027-01-31T12:00:00.000Z"`, `day: "2027-01-31"`). */
export interface Bucket {
  start: number;
  key: string;
}

/** The start of the bucket after `at` (or `at` itself when a bucket starts there). Days and weeks are local. */
function nextStart(unit: TimeUnit, at: number): number {
  if (unit === 'minute' || unit === 'hour') {
    const size = unit === 'minute' ? MINUTE : HOUR;
    return Math.ceil(at / size) * size;
  }
  const d = new Date(at);
  // Local midnight of `at`'s day, or of the Monday of its week; the Date constructor handles DST.
  const back = unit === 'week' ? (d.getDay() + 6) % 7 : 0;
  const start = new Date(d.getFullYear(), d.getMonth(), d.getDate() - back).getTime();
  if (start === at) return at;
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() - back + (unit === 'week' ? 7 : 1)).getTime();
}

/** The start of the bucket after the one starting at `start`. */
function following(unit: TimeUnit, start: number): number {
  if (unit === 'minute') return start + MINUTE;
  if (unit === 'hour') return start + HOUR;
  const d = new Date(start);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + (unit === 'week' ? 7 : 1)).getTime();
}

export function bucketKey(unit: TimeUnit, start: number): string {
  if (unit === 'day') return dayOf(start);
  if (unit === 'week') return weekOf(start);
  return new Date(start).toISOString();
}

/**
 * A window counted in whole buckets: it starts at the first bucket that starts in it, so that
 * `--since 24h --by hour` is 24 buckets (the last one the current, partial hour), never 25 with a
 * sliver of an hour at each end.
 */
export function alignedSince(unit: TimeUnit, since: number): number {
  return nextStart(unit, since);
}

/** The buckets that start in [since, until); `since` is aligned (see alignedSince). */
export function bucketsOf(unit: TimeUnit, since: number, until: number): Bucket[] {
  const buckets: Bucket[] = [];
  for (let start = since; start < until; start = following(unit, start)) {
    buckets.push({ start, key: bucketKey(unit, start) });
  }
  return buckets;
}

type Row = UsageReport['rows'][number];

/**
 * The report's rows with a zero row for every bucket a series has nothing in. A series is one group
 * of the other dimensions (`--by hour --by resource`: one per resource seen in the window); with the
 * time alone there is one series, so an empty window still has every bucket. Sorted as the report is.
 */
export function fillBuckets(rows: Row[], by: readonly UsageDimension[], unit: TimeUnit, buckets: Bucket[]): Row[] {
  const others = by.filter((d) => d !== unit);
  const series = new Map<string, Row['group']>();
  if (others.length === 0) series.set('[]', {});
  for (const row of rows) {
    const group = Object.fromEntries(others.map((d) => [d, row.group[d] ?? null]));
    series.set(JSON.stringify(others.map((d) => group[d])), group);
  }
  const seen = new Set(rows.map((row) => JSON.stringify(by.map((d) => row.group[d] ?? null))));
  const filled = [...rows];
  for (const group of series.values()) {
    for (const bucket of buckets) {
      const full = { ...group, [unit]: bucket.key };
      if (!seen.has(JSON.stringify(by.map((d) => full[d] ?? null))))
        filled.push({ group: full, figures: emptyFigures() });
    }
  }
  return filled.sort((a, b) => {
    for (const d of by) {
      const x = a.group[d] ?? '';
      const y = b.group[d] ?? '';
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
}

/** The figures of each bucket, every series added up: what the chart draws. */
export function bucketTotals(rows: Row[], unit: TimeUnit, buckets: Bucket[]) {
  const totals = new Map(buckets.map((bucket) => [bucket.key, emptyFigures()]));
  for (const row of rows) {
    const key = row.group[unit];
    if (key) addFigures(totals.get(key) ?? totals.set(key, emptyFigures()).get(key)!, row.figures);
  }
  return [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
