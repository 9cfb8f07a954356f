/**
 * Usage reports: what they sum (UsageFigures), what they group by, and the queries over raw rows and
 * the hourly roll-up that build one. The usage repo (usage.ts) runs them; the types are re-exported there.
 */
import type { Database } from 'better-sqlite3';
import { mergeInto, parseSketch, type Sketch } from '../../gateway/latency-sketch.js';

/** What a usage report sums per group. Latency and TTFT are sketches of the requests' durations. */
export interface UsageFigures {
  requests: number;
  attempts: number;
  errors: number;
  fallbacks: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  totalTokens: number;
  /** Sum of the costs that are known, in nano-USD. */
  costNano: number;
  /** Attempts with tokens whose price is unknown (their cost is not in costNano). */
  unpriced: number;
  latency: Sketch;
  ttft: Sketch;
}

export type UsageDimension =
  'resource' | 'model' | 'connection' | 'provider' | 'key' | 'minute' | 'hour' | 'day' | 'week';

/** The dimensions that are time buckets; the rest name things. */
export const TIME_DIMENSIONS = ['minute', 'hour', 'day', 'week'] as const satisfies readonly UsageDimension[];

/** The dimensions a query groups by in SQL: days and weeks are summed from hours. */
export type GroupDimension = Exclude<UsageDimension, 'day' | 'week'>;

export const MINUTE = 60_000;

export interface UsageQuery {
  environmentId: string;
  /** The window [since, until), epoch ms. */
  since: number;
  until: number;
  by: readonly UsageDimension[];
  resource?: string;
  keyId?: string;
}

export interface UsageReport {
  /**
   * The window counted. Where an edge falls before the oldest raw row kept (see retention), it moves
   * back to the start of its hour: older usage is kept as hourly totals only.
   */
  since: number;
  until: number;
  rows: Array<{ group: Partial<Record<UsageDimension, string | null>>; figures: UsageFigures }>;
}

export const HOUR = 3_600_000;

/**
 * Group columns of raw rows and of hourly ones, as the same names. Empty strings stand for "none". An
 * hourly row has no minutes: its whole hour counts in the hour's first minute (only for hours whose raw
 * rows are gone, see reportPlan).
 */
const dimensionSql: Record<GroupDimension, { raw: string; hourly: string }> = {
  resource: { raw: 'resource', hourly: 'resource' },
  model: { raw: "ifnull(model, '')", hourly: 'model' },
  connection: { raw: "ifnull(connection_id, '')", hourly: 'connection_id' },
  provider: { raw: "ifnull(provider, '')", hourly: 'provider' },
  key: { raw: "ifnull(key_id, '')", hourly: 'key_id' },
  minute: { raw: `(at / ${MINUTE}) * ${MINUTE}`, hourly: 'hour' },
  hour: { raw: `(at / ${HOUR}) * ${HOUR}`, hourly: 'hour' },
};

const FIGURES_RAW = `sum(final) AS requests, sum(provider IS NOT NULL) AS attempts, sum(status >= 400) AS errors,
  sum(final = 0) AS fallbacks, ifnull(sum(input_tokens), 0) AS inputTokens, ifnull(sum(output_tokens), 0) AS outputTokens,
  ifnull(sum(cached_tokens), 0) AS cachedTokens, ifnull(sum(cache_write_tokens), 0) AS cacheWriteTokens,
  ifnull(sum(total_tokens), 0) AS totalTokens, ifnull(sum(cost_nano), 0) AS costNano, sum(cost_nano IS NULL) AS unpriced,
  vmx_sketch(CASE WHEN final = 1 THEN duration_ms END) AS latency, vmx_sketch(CASE WHEN final = 1 THEN ttft_ms END) AS ttft`;

const FIGURES_HOURLY = `sum(requests) AS requests, sum(attempts) AS attempts, sum(errors) AS errors, sum(fallbacks) AS fallbacks,
  sum(input_tokens) AS inputTokens, sum(output_tokens) AS outputTokens, sum(cached_tokens) AS cachedTokens,
  sum(cache_write_tokens) AS cacheWriteTokens, sum(total_tokens) AS totalTokens, sum(cost_nano) AS costNano,
  sum(unpriced) AS unpriced, vmx_sketch_union(latency) AS latency, vmx_sketch_union(ttft) AS ttft`;

const COUNTS = [
  'requests',
  'attempts',
  'errors',
  'fallbacks',
  'inputTokens',
  'outputTokens',
  'cachedTokens',
  'cacheWriteTokens',
  'totalTokens',
  'costNano',
  'unpriced',
] as const;

export const emptyFigures = (): UsageFigures => ({
  requests: 0,
  attempts: 0,
  errors: 0,
  fallbacks: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  totalTokens: 0,
  costNano: 0,
  unpriced: 0,
  latency: {},
  ttft: {},
});

export function addFigures(target: UsageFigures, source: UsageFigures): UsageFigures {
  for (const field of COUNTS) target[field] += source[field];
  mergeInto(target.latency, source.latency);
  mergeInto(target.ttft, source.ttft);
  return target;
}

/** The local calendar day (YYYY-MM-DD) an hour starts in. */
export function dayOf(hour: number): string {
  const d = new Date(hour);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The local calendar week an hour starts in, named by its Monday (YYYY-MM-DD), as ISO 8601 weeks start. */
export function weekOf(hour: number): string {
  const d = new Date(hour);
  const monday = new Date(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7));
  return dayOf(monday.getTime());
}

type ReportRow = UsageReport['rows'][number];
export type ReportSource = 'raw' | 'hourly';

/** The window a report counts and the queries that cover it, each over raw rows or hourly ones. */
export interface ReportPlan {
  since: number;
  until: number;
  parts: Array<{ source: ReportSource; from: number; to: number }>;
}

/**
 * Whole hours come from the hourly roll-up and the partial hours at the edges from raw rows;
 * `rawFloor` is the moment raw rows start (see UsageRepo.rawFloor), and window edges before it move
 * back to their hour. The same for every backend: only the queries differ.
 */
export function reportPlan(q: UsageQuery, rawFloor: number): ReportPlan {
  const snap = (at: number) => (at < rawFloor ? Math.floor(at / HOUR) * HOUR : at);
  const since = snap(q.since);
  const until = Math.max(since, snap(q.until));
  if (q.by.includes('minute')) return { since, until, parts: minuteParts(since, until, rawFloor) };
  const firstWhole = Math.ceil(since / HOUR) * HOUR;
  const lastWhole = Math.floor(until / HOUR) * HOUR;
  const parts: ReportPlan['parts'] = [];
  if (firstWhole < lastWhole) {
    parts.push({ source: 'hourly', from: firstWhole, to: lastWhole });
    if (since < firstWhole) parts.push({ source: 'raw', from: since, to: firstWhole });
    if (lastWhole < until) parts.push({ source: 'raw', from: lastWhole, to: until });
  } else if (since < until) {
    parts.push({ source: 'raw', from: since, to: until });
  }
  return { since, until, parts };
}

/**
 * Minutes are only in raw rows: they are read wherever raw rows are kept, and the hourly roll-up only
 * where they are gone (before `rawFloor`, which is hour-aligned).
 */
function minuteParts(since: number, until: number, rawFloor: number): ReportPlan['parts'] {
  const rawFrom = Math.min(Math.max(since, rawFloor), until);
  const parts: ReportPlan['parts'] = [];
  if (since < rawFrom) parts.push({ source: 'hourly', from: since, to: rawFrom });
  if (rawFrom < until) parts.push({ source: 'raw', from: rawFrom, to: until });
  return parts;
}

/** The columns a query groups by: days and weeks are summed from hours. */
export const groupDimensions = (by: readonly UsageDimension[]) =>
  [...new Set(by.map((d) => (d === 'day' || d === 'week' ? 'hour' : d)))] as GroupDimension[];

/**
 * Figures over [since, until) of one environment, grouped by `q.by` (in order); see reportPlan for
 * which rows are read.
 */
export function usageReport(db: Database, q: UsageQuery, rawFloor: number): UsageReport {
  const { since, until, parts } = reportPlan(q, rawFloor);
  const rows = parts.flatMap((part) => grouped(db, part.source, q, part.from, part.to));
  return { since, until, rows: mergeParts(q.by, rows) };
}

/** One query over raw rows or hourly ones, its figures grouped by the query's dimensions. */
function grouped(db: Database, source: ReportSource, q: UsageQuery, from: number, to: number) {
  const dims = groupDimensions(q.by);
  const select = dims.map((d) => `${dimensionSql[d][source]} AS "${d}"`);
  const where = [
    'environment_id = @environmentId',
    source === 'raw' ? 'at >= @from AND at < @to' : 'hour >= @from AND hour < @to',
  ];
  if (q.resource !== undefined) where.push('resource = @resource');
  if (q.keyId !== undefined) where.push(`${dimensionSql.key[source]} = @keyId`);
  const sql = `SELECT ${[...select, source === 'raw' ? FIGURES_RAW : FIGURES_HOURLY].join(', ')}
    FROM ${source === 'raw' ? 'usage' : 'usage_hourly'} WHERE ${where.join(' AND ')}
    ${dims.length ? `GROUP BY ${dims.map((_, i) => i + 1).join(', ')}` : ''}`;
  const params = { environmentId: q.environmentId, from, to, resource: q.resource, keyId: q.keyId };
  return db.prepare(sql).all(params) as Array<Record<string, unknown>>;
}

/**
 * Adds up the parts' rows that fall in the same group (days span hours; a window spans sources), sorted
 * by group. A part row holds its group columns (`hour` as epoch ms), the counts (numbers or numeric
 * text) and the sketches as JSON text; a row whose `requests` is null is an aggregate over no rows.
 */
export function mergeParts(by: readonly UsageDimension[], parts: Array<Record<string, unknown>>): ReportRow[] {
  const rows = new Map<string, ReportRow>();
  for (const part of parts) {
    if (part.requests === null) continue; // an aggregate over no rows
    const group = groupOf(by, part);
    const id = JSON.stringify(by.map((d) => group[d]));
    const figures = figuresOf(part);
    const row = rows.get(id);
    if (row) addFigures(row.figures, figures);
    else rows.set(id, { group, figures });
  }
  return [...rows.values()].sort((a, b) => {
    for (const d of by) {
      const x = a.group[d] ?? '';
      const y = b.group[d] ?? '';
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
}

function groupOf(by: readonly UsageDimension[], part: Record<string, unknown>): ReportRow['group'] {
  return Object.fromEntries(
    by.map((d) => {
      if (d === 'day') return [d, dayOf(part.hour as number)];
      if (d === 'week') return [d, weekOf(part.hour as number)];
      if (d === 'hour' || d === 'minute') return [d, new Date(Number(part[d])).toISOString()];
      return [d, part[d] === '' ? null : (part[d] as string)];
    }),
  );
}

function figuresOf(part: Record<string, unknown>): UsageFigures {
  return {
    ...(Object.fromEntries(COUNTS.map((f) => [f, Number(part[f] ?? 0)])) as Omit<UsageFigures, 'latency' | 'ttft'>),
    latency: parseSketch(part.latency as string),
    ttft: parseSketch(part.ttft as string),
  };
}
