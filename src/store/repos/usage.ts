import type { Database } from 'better-sqlite3';
import { rollUpStatement } from '../usage-rollup.js';
import { createStateCell } from './settings.js';
import { HOUR, usageReport, type UsageQuery, type UsageReport } from './usage-report.js';

export {
  addFigures,
  dayOf,
  emptyFigures,
  HOUR,
  MINUTE,
  TIME_DIMENSIONS,
  weekOf,
  type UsageDimension,
  type UsageFigures,
  type UsageQuery,
  type UsageReport,
} from './usage-report.js';

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

export function createUsageRepo(db: Database): UsageRepo {
  return new UsageRepo(db);
}

function statements(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO usage (request_id, attempt, at, workspace_id, environment_id, key_id, resource_id, resource,
         connection_id, provider, model, route, stream, status, error, input_tokens, output_tokens, total_tokens,
         cached_tokens, cache_write_tokens, duration_ms, provider_ms, ttft_ms, gate_ms, correlation_id, final, cost_nano)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    rollUpFrom: rollUpStatement(db, 'id >= ?'),
    byRequest: db.prepare<[string], Record<string, unknown>>(
      'SELECT * FROM usage WHERE request_id = ? ORDER BY attempt, id',
    ),
    recent: db.prepare<
      [number],
      { resource_id: string | null; connection_id: string | null; model: string | null; status: number; at: number }
    >('SELECT resource_id, connection_id, model, status, at FROM usage WHERE at >= ? AND provider IS NOT NULL'),
    floor: createStateCell(db, 'usage-raw-floor'),
    deleteRaw: db.prepare<[number, number]>(
      'DELETE FROM usage WHERE id IN (SELECT id FROM usage WHERE at < ? ORDER BY at LIMIT ?)',
    ),
    deleteOldestHour: db.prepare<[number]>(
      'DELETE FROM usage_hourly WHERE hour = (SELECT min(hour) FROM usage_hourly) AND hour < ?',
    ),
    counts: db.prepare<[], { raw: number; hourly: number }>(
      'SELECT (SELECT count(*) FROM usage) AS raw, (SELECT count(*) FROM usage_hourly) AS hourly',
    ),
  };
}

/** A row's values in the insert's column order (positional: binding by name costs a lookup per column). */
function usageValues(r: UsageRecord) {
  return [
    r.requestId,
    r.attempt,
    r.at,
    r.workspaceId,
    r.environmentId,
    r.keyId,
    r.resourceId,
    r.resource,
    r.connectionId,
    r.provider,
    r.model,
    r.route,
    r.stream ? 1 : 0,
    r.status,
    r.error,
    r.inputTokens,
    r.outputTokens,
    r.totalTokens,
    r.cachedTokens,
    r.cacheWriteTokens,
    r.durationMs,
    r.providerMs,
    r.ttftMs,
    r.gateMs,
    r.correlationId,
    r.final ? 1 : 0,
    r.costNano,
  ] as const;
}

export class UsageRepo {
  private readonly sql: ReturnType<typeof statements>;

  constructor(private readonly db: Database) {
    this.sql = statements(db);
  }

  /** Attempts since `at` (epoch ms), for the daemon's error-rate counters. */
  attemptsSince(at: number) {
    return this.sql.recent.all(at).map((r) => ({
      resourceId: r.resource_id,
      connectionId: r.connection_id,
      model: r.model,
      status: r.status,
      at: r.at,
    }));
  }

  /** Writes rows and adds them to their hours in usage_hourly, in one transaction. */
  insertMany(records: readonly UsageRecord[]): void {
    if (records.length === 0) return;
    const { insert, rollUpFrom } = this.sql;
    this.db.transaction(() => {
      let first: number | bigint | undefined;
      for (const record of records) {
        const { lastInsertRowid } = insert.run(...usageValues(record));
        first ??= lastInsertRowid;
      }
      rollUpFrom.run(first);
    })();
  }

  forRequest(requestId: string): UsageRecord[] {
    return this.sql.byRequest.all(requestId).map(toUsageRecord);
  }

  /** Raw rows before this moment (hour-aligned) are gone; their hours live on in usage_hourly. */
  rawFloor(): number {
    return Number(this.sql.floor.get() ?? 0);
  }

  /**
   * Figures over [since, until) of one environment, grouped by `by` (in order). Whole hours come from
   * the hourly roll-up and the partial hours at the edges from raw rows, so a report gives the same
   * figures before and after raw rows are pruned.
   */
  report(q: UsageQuery): UsageReport {
    return usageReport(this.db, q, this.rawFloor());
  }

  /**
   * Deletes up to `limit` raw rows from before `before` (moved back to its hour); returns how many.
   * The floor moves first, so reports switch to the hourly totals before any raw row disappears.
   */
  pruneRaw(before: number, limit: number): number {
    const cutoff = Math.floor(before / HOUR) * HOUR;
    // The floor only moves forward: a shorter retention set later cannot bring deleted rows back.
    if (cutoff > this.rawFloor()) this.sql.floor.set(String(cutoff));
    return this.sql.deleteRaw.run(cutoff, limit).changes;
  }

  /** Deletes the oldest hour of the roll-up when it is before `before`; returns how many rows went. */
  pruneOldestHour(before: number): number {
    return this.sql.deleteOldestHour.run(before).changes;
  }

  counts(): { raw: number; hourly: number } {
    return this.sql.counts.get()!;
  }
}

/** A `usage` row as a record; PostgreSQL's rows read the same (its pool parses int8 and numeric as numbers). */
export function toUsageRecord(row: Record<string, unknown>): UsageRecord {
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
