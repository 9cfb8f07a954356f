/**
 * Usage reports on PostgreSQL: the queries over raw rows and the hourly roll-up. Which rows a report
 * reads and how its parts add up are the SQLite report's own (reportPlan, mergeParts); latency
 * sketches are built and merged in JavaScript with the same code, so both backends give the same
 * percentiles for the same rows.
 */
import { addTo, mergeInto, parseSketch, type Sketch } from '../../../gateway/latency-sketch.js';
import {
  groupDimensions,
  HOUR,
  MINUTE,
  mergeParts,
  type GroupDimension,
  reportPlan,
  type ReportSource,
  type UsageQuery,
  type UsageReport,
} from '../../repos/usage-report.js';
import type { Queryable } from '../queryable.js';

/** Group columns of raw rows and of hourly ones, as the same names. Empty strings stand for "none". */
const dimensionSql: Record<GroupDimension, Record<ReportSource, string>> = {
  resource: { raw: 'resource', hourly: 'resource' },
  model: { raw: "coalesce(model, '')", hourly: 'model' },
  connection: { raw: "coalesce(connection_id, '')", hourly: 'connection_id' },
  provider: { raw: "coalesce(provider, '')", hourly: 'provider' },
  key: { raw: "coalesce(key_id, '')", hourly: 'key_id' },
  minute: { raw: `(at / ${MINUTE}) * ${MINUTE}`, hourly: 'hour' },
  hour: { raw: `(at / ${HOUR}) * ${HOUR}`, hourly: 'hour' },
};

/**
 * The sums SQLite's report takes, with NULL (not 0) for `requests` over no rows. Latency and time to
 * first token come back as the durations of the answering attempts (raw rows) or as the stored
 * sketches (hourly rows), to be turned into one sketch per group here.
 */
const FIGURES: Record<ReportSource, string> = {
  raw: `sum(final) AS requests, count(provider) AS attempts, count(*) FILTER (WHERE status >= 400) AS errors,
    count(*) FILTER (WHERE final = 0) AS fallbacks, coalesce(sum(input_tokens), 0) AS "inputTokens",
    coalesce(sum(output_tokens), 0) AS "outputTokens", coalesce(sum(cached_tokens), 0) AS "cachedTokens",
    coalesce(sum(cache_write_tokens), 0) AS "cacheWriteTokens", coalesce(sum(total_tokens), 0) AS "totalTokens",
    coalesce(sum(cost_nano), 0) AS "costNano", count(*) FILTER (WHERE cost_nano IS NULL) AS unpriced,
    array_agg(duration_ms) FILTER (WHERE final = 1 AND duration_ms IS NOT NULL) AS latency,
    array_agg(ttft_ms) FILTER (WHERE final = 1 AND ttft_ms IS NOT NULL) AS ttft`,
  hourly: `sum(requests) AS requests, sum(attempts) AS attempts, sum(errors) AS errors, sum(fallbacks) AS fallbacks,
    sum(input_tokens) AS "inputTokens", sum(output_tokens) AS "outputTokens", sum(cached_tokens) AS "cachedTokens",
    sum(cache_write_tokens) AS "cacheWriteTokens", sum(total_tokens) AS "totalTokens", sum(cost_nano) AS "costNano",
    sum(unpriced) AS unpriced, array_agg(latency) AS latency, array_agg(ttft) AS ttft`,
};

/**
 * Figures over [since, until) of one environment, grouped by `q.by` (in order): the SQLite report's
 * plan and merge, with PostgreSQL's queries.
 */
export async function pgUsageReport(db: Queryable, q: UsageQuery, rawFloor: number): Promise<UsageReport> {
  const { since, until, parts } = reportPlan(q, rawFloor);
  const rows: Array<Record<string, unknown>> = [];
  // One after the other: `db` may be a transaction's single connection.
  for (const part of parts) rows.push(...(await grouped(db, part.source, q, part.from, part.to)));
  return { since, until, rows: mergeParts(q.by, rows) };
}

/** One query over raw rows or hourly ones, its figures grouped by the query's dimensions. */
async function grouped(db: Queryable, source: ReportSource, q: UsageQuery, from: number, to: number) {
  const dims = groupDimensions(q.by);
  const values: unknown[] = [q.environmentId, from, to];
  const where = ['environment_id = $1', source === 'raw' ? 'at >= $2 AND at < $3' : 'hour >= $2 AND hour < $3'];
  if (q.resource !== undefined) {
    values.push(q.resource);
    where.push(`resource = $${values.length}`);
  }
  if (q.keyId !== undefined) {
    values.push(q.keyId);
    where.push(`${dimensionSql.key[source]} = $${values.length}`);
  }
  const select = dims.map((d) => `${dimensionSql[d][source]} AS "${d}"`);
  const sql = `SELECT ${[...select, FIGURES[source]].join(', ')}
    FROM ${source === 'raw' ? 'usage' : 'usage_hourly'} WHERE ${where.join(' AND ')}
    ${dims.length ? `GROUP BY ${dims.map((_, i) => i + 1).join(', ')}` : ''}`;
  const { rows } = await db.query<Record<string, unknown>>(sql, values);
  return rows.map((row) => asPart(source, row));
}

/** A row as mergeParts reads it: the hour as a number, sketches as JSON text. */
function asPart(source: ReportSource, row: Record<string, unknown>): Record<string, unknown> {
  const sketch = (list: unknown): string => {
    const sketch: Sketch = {};
    for (const item of (list as unknown[] | null) ?? []) {
      if (source === 'raw') addTo(sketch, Number(item));
      else mergeInto(sketch, parseSketch(item as string));
    }
    return JSON.stringify(sketch);
  };
  return {
    ...row,
    ...(row.hour !== undefined && { hour: Number(row.hour) }),
    ...(row.minute !== undefined && { minute: Number(row.minute) }),
    latency: sketch(row.latency),
    ttft: sketch(row.ttft),
  };
}
