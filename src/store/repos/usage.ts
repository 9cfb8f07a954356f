import type { Database } from 'better-sqlite3';

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
}

/** Totals per group of a usage report. */
export interface UsageTotals {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  totalTokens: number;
}

export type UsageDimension = 'resource' | 'model' | 'connection' | 'provider' | 'key';
const dimensionColumn: Record<UsageDimension, string> = {
  resource: 'resource',
  model: 'model',
  connection: 'connection_id',
  provider: 'provider',
  key: 'key_id',
};

export type UsageRepo = ReturnType<typeof createUsageRepo>;

export function createUsageRepo(db: Database) {
  const insert = db.prepare(
    `INSERT INTO usage (request_id, attempt, at, workspace_id, environment_id, key_id, resource_id, resource,
       connection_id, provider, model, route, stream, status, error, input_tokens, output_tokens, total_tokens,
       cached_tokens, cache_write_tokens, duration_ms, provider_ms, ttft_ms, gate_ms, correlation_id)
     VALUES (@requestId, @attempt, @at, @workspaceId, @environmentId, @keyId, @resourceId, @resource,
       @connectionId, @provider, @model, @route, @stream, @status, @error, @inputTokens, @outputTokens, @totalTokens,
       @cachedTokens, @cacheWriteTokens, @durationMs, @providerMs, @ttftMs, @gateMs, @correlationId)`,
  );
  const byRequest = db.prepare<[string], Record<string, unknown>>('SELECT * FROM usage WHERE request_id = ? ORDER BY attempt');

  const recent = db.prepare<[number], { resource_id: string | null; connection_id: string | null; model: string | null; status: number; at: number }>(
    'SELECT resource_id, connection_id, model, status, at FROM usage WHERE at >= ?',
  );

  return {
    /** Attempts since `at` (epoch ms), for the daemon's error-rate counters. */
    attemptsSince(at: number) {
      return recent.all(at).map((r) => ({ resourceId: r.resource_id, connectionId: r.connection_id, model: r.model, status: r.status, at: r.at }));
    },

    /** Writes many rows; the caller wraps batches in one transaction. */
    insert(record: UsageRecord): void {
      insert.run({ ...record, stream: record.stream ? 1 : 0 });
    },

    forRequest(requestId: string): UsageRecord[] {
      return byRequest.all(requestId).map(toRecord);
    },

    /** Totals over [since, until) for one environment, grouped by the given dimensions (in order). */
    summary(environmentId: string, since: number, until: number, by: UsageDimension[]): Array<Record<string, string | null> & UsageTotals> {
      const keys = by.map((d) => `${dimensionColumn[d]} AS "${d}"`);
      const sql = `SELECT ${[...keys, ''].join(', ')}
          count(*) AS requests,
          sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
          coalesce(sum(input_tokens), 0) AS inputTokens,
          coalesce(sum(output_tokens), 0) AS outputTokens,
          coalesce(sum(cached_tokens), 0) AS cachedTokens,
          coalesce(sum(total_tokens), 0) AS totalTokens
        FROM usage WHERE environment_id = ? AND at >= ? AND at < ?
        ${by.length ? `GROUP BY ${by.map((d) => `"${d}"`).join(', ')} ORDER BY ${by.map((d) => `"${d}"`).join(', ')}` : ''}`;
      return db.prepare(sql).all(environmentId, since, until) as Array<Record<string, string | null> & UsageTotals>;
    },
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
  };
}
