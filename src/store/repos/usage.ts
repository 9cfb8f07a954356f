import type { Database } from 'better-sqlite3';
import { mergeInto, parseSketch, type Sketch } from '../../gateway/latency-sketch.js';
import { rollUpStatement } from '../usage-rollup.js';
import { createStateCell } from './settings.js';

/** One provider attempt, as the daemon records it. */
export interface UsageRecord {
  requestId: string;
  attempt: number;
  /** Epoch milliseconds. */
  at: number;
  workspaceId: string;
  environmentId: string;
  keyId: string | null;
  resourceId: string | null;
  resource: string;
  connectionId: string | null;
  provider: string | null;
  model: string | null;
  route: string;
  stream: boolean;
  status: number;
  error: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  cachedTokens: number | null;
  cacheWriteTokens: number | null;
  durationMs: number | null;
  providerMs: number | null;
  ttftMs: number | null;
  gateMs: number | null;
  correlationId: string | null;
  /** True on the attempt that answered the client (the last one of its request). */
  final: boolean;
  /** What the attempt cost in nano-USD; 0 when nothing was billed, null when the price is unknown. */
  costNano: number | null;
}

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

export type UsageDimension = 'resource' | 'model' | 'connection' | 'provider' | 'key' | 'hour' | 'day';

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

const HOUR = 3_600_000;

/** Group columns of raw rows and of hourly ones, as the same names. Empty strings stand for "none". */
const dimensionSql: Record<Exclude<UsageDimension, 'day'>, { raw: string; hourly: string }> = {
  resource: { raw: 'resource', hourly: 'resource' },
  model: { raw: "ifnull(model, '')", hourly: 'model' },
  connection: { raw: "ifnull(connection_id, '')", hourly: 'connection_id' },
  provider: { raw: "ifnull(provider, '')", hourly: 'provider' },
  key: { raw: "ifnull(key_id, '')", hourly: 'key_id' },
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

export type UsageRepo = ReturnType<typeof createUsageRepo>;

export function createUsageRepo(db: Database) {
  const insert = db.prepare(
    `INSERT INTO usage (request_id, attempt, at, workspace_id, environment_id, key_id, resource_id, resource,
       connection_id, provider, model, route, stream, status, error, input_tokens, output_tokens, total_tokens,
       cached_tokens, cache_write_tokens, duration_ms, provider_ms, ttft_ms, gate_ms, correlation_id, final, cost_nano)
     VALUES (@requestId, @attempt, @at, @workspaceId, @environmentId, @keyId, @resourceId, @resource,
       @connectionId, @provider, @model, @route, @stream, @status, @error, @inputTokens, @outputTokens, @totalTokens,
       @cachedTokens, @cacheWriteTokens, @durationMs, @providerMs, @ttftMs, @gateMs, @correlationId, @final, @costNano)`,
  );
  const rollUpFrom = rollUpStatement(db, 'id >= ?');
  const byRequest = db.prepare<[string], Record<string, unknown>>(
    'SELECT * FROM usage WHERE request_id = ? ORDER BY attempt, id',
  );
  const recent = db.prepare<
    [number],
    { resource_id: string | null; connection_id: string | null; model: string | null; status: number; at: number }
  >('SELECT resource_id, connection_id, model, status, at FROM usage WHERE at >= ? AND provider IS NOT NULL');
  const floor = createStateCell(db, 'usage-raw-floor');
  const deleteRaw = db.prepare<[number, number]>(
    'DELETE FROM usage WHERE id IN (SELECT id FROM usage WHERE at < ? ORDER BY at LIMIT ?)',
  );
  const deleteOldestHour = db.prepare<[number]>(
    'DELETE FROM usage_hourly WHERE hour = (SELECT min(hour) FROM usage_hourly) AND hour < ?',
  );
  const counts = db.prepare<[], { raw: number; hourly: number }>(
    'SELECT (SELECT count(*) FROM usage) AS raw, (SELECT count(*) FROM usage_hourly) AS hourly',
  );

  /** Raw rows before this moment (hour-aligned) are gone; their hours live on in usage_hourly. */
  const rawFloor = (): number => Number(floor.get() ?? 0);

  function grouped(source: 'raw' | 'hourly', q: UsageQuery, from: number, to: number) {
    const dims = [...new Set(q.by.map((d) => (d === 'day' ? 'hour' : d)))] as Array<Exclude<UsageDimension, 'day'>>;
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

  return {
    /** Attempts since `at` (epoch ms), for the daemon's error-rate counters. */
    attemptsSince(at: number) {
      return recent.all(at).map((r) => ({
        resourceId: r.resource_id,
        connectionId: r.connection_id,
        model: r.model,
        status: r.status,
        at: r.at,
      }));
    },

    /** Writes rows and adds them to their hours in usage_hourly, in one transaction. */
    insertMany(records: readonly UsageRecord[]): void {
      if (records.length === 0) return;
      db.transaction(() => {
        let first: number | bigint | undefined;
        for (const record of records) {
          const { lastInsertRowid } = insert.run({
            ...record,
            stream: record.stream ? 1 : 0,
            final: record.final ? 1 : 0,
          });
          first ??= lastInsertRowid;
        }
        rollUpFrom.run(first);
      })();
    },

    forRequest(requestId: string): UsageRecord[] {
      return byRequest.all(requestId).map(toRecord);
    },

    rawFloor,

    /**
     * Figures over [since, until) of one environment, grouped by `by` (in order). Whole hours come from
     * the hourly roll-up and the partial hours at the edges from raw rows, so a report gives the same
     * figures before and after raw rows are pruned.
     */
    report(q: UsageQuery): UsageReport {
      const oldest = rawFloor();
      const snap = (at: number) => (at < oldest ? Math.floor(at / HOUR) * HOUR : at);
      const since = snap(q.since);
      const until = Math.max(since, snap(q.until));
      const firstWhole = Math.ceil(since / HOUR) * HOUR;
      const lastWhole = Math.floor(until / HOUR) * HOUR;
      const parts: Array<Record<string, unknown>> = [];
      if (firstWhole < lastWhole) {
        parts.push(...grouped('hourly', q, firstWhole, lastWhole));
        if (since < firstWhole) parts.push(...grouped('raw', q, since, firstWhole));
        if (lastWhole < until) parts.push(...grouped('raw', q, lastWhole, until));
      } else if (since < until) {
        parts.push(...grouped('raw', q, since, until));
      }

      const rows = new Map<string, UsageReport['rows'][number]>();
      for (const part of parts) {
        if (part.requests === null) continue; // an aggregate over no rows
        const group = Object.fromEntries(
          q.by.map((d) => {
            const value = d === 'day' ? dayOf(part.hour as number) : part[d];
            return [
              d,
              d === 'hour' ? new Date(value as number).toISOString() : value === '' ? null : (value as string),
            ];
          }),
        );
        const id = JSON.stringify(q.by.map((d) => group[d]));
        const figures: UsageFigures = {
          ...(Object.fromEntries(COUNTS.map((f) => [f, Number(part[f] ?? 0)])) as Omit<
            UsageFigures,
            'latency' | 'ttft'
          >),
          latency: parseSketch(part.latency as string),
          ttft: parseSketch(part.ttft as string),
        };
        const row = rows.get(id);
        if (row) addFigures(row.figures, figures);
        else rows.set(id, { group, figures });
      }
      const sorted = [...rows.values()].sort((a, b) => {
        for (const d of q.by) {
          const x = a.group[d] ?? '';
          const y = b.group[d] ?? '';
          if (x !== y) return x < y ? -1 : 1;
        }
        return 0;
      });
      return { since, until, rows: sorted };
    },

    /**
     * Deletes up to `limit` raw rows from before `before` (moved back to its hour); returns how many.
     * The floor moves first, so reports switch to the hourly totals before any raw row disappears.
     */
    pruneRaw(before: number, limit: number): number {
      const cutoff = Math.floor(before / HOUR) * HOUR;
      // The floor only moves forward: a shorter retention set later cannot bring deleted rows back.
      if (cutoff > rawFloor()) floor.set(String(cutoff));
      return deleteRaw.run(cutoff, limit).changes;
    },

    /** Deletes the oldest hour of the roll-up when it is before `before`; returns how many rows went. */
    pruneOldestHour(before: number): number {
      return deleteOldestHour.run(before).changes;
    },

    counts: () => counts.get()!,
  };
}

function toRecord(row: Record<string, unknown>): UsageRecord {
  return {
    requestId: row.request_id as string,
    attempt: row.attempt as number,
    at: row.at as number,
    workspaceId: row.workspace_id as string,
    environmentId: row.environment_id as string,
    keyId: row.key_id as string | null,
    resourceId: row.resource_id as string | null,
    resource: row.resource as string,
    connectionId: row.connection_id as string | null,
    provider: row.provider as string | null,
    model: row.model as string | null,
    route: row.route as string,
    stream: row.stream === 1,
    status: row.status as number,
    error: row.error as string | null,
    inputTokens: row.input_tokens as number | null,
    outputTokens: row.output_tokens as number | null,
    totalTokens: row.total_tokens as number | null,
    cachedTokens: row.cached_tokens as number | null,
    cacheWriteTokens: row.cache_write_tokens as number | null,
    durationMs: row.duration_ms as number | null,
    providerMs: row.provider_ms as number | null,
    ttftMs: row.ttft_ms as number | null,
    gateMs: row.gate_ms as number | null,
    correlationId: row.correlation_id as string | null,
    final: row.final === 1,
    costNano: row.cost_nano as number | null,
  };
}
