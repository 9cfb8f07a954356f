import type { Database } from 'better-sqlite3';
import { fromJson, toJson } from '../rows.js';
import { createStateCell } from './settings.js';

/** One client request, as the daemon records it. */
export interface AuditRecord {
  requestId: string;
  /** Epoch milliseconds. */
  at: number;
  workspaceId: string | null;
  environmentId: string | null;
  keyId: string | null;
  resource: string | null;
  route: string;
  stream: boolean;
  status: number;
  error: string | null;
  events: unknown[];
  timings: Record<string, number | null>;
  /** Capped at the configured size; a cut body ends with a marker saying how much was dropped. */
  requestBody: string | null;
  responseBody: string | null;
  correlationId: string | null;
  durationMs: number | null;
}

export interface AuditFilter {
  environmentId: string;
  since?: number;
  /** Before this time (epoch ms, excluded). */
  until?: number;
  status?: number;
  /** Statuses in this range, both ends included (`4xx` is 400–499). */
  statusFrom?: number;
  statusTo?: number;
  /** Requests that failed (status ≥ 400 or an error after the status) or had a failed attempt (a fallback answered). */
  errors?: boolean;
  resource?: string;
  keyId?: string;
  correlationId?: string;
  /** Requests with an attempt on this connection (by id) or this provider model. */
  connectionId?: string;
  model?: string;
  limit: number;
}

/** An attempt of the audit row's request (its usage rows) that matches the condition on `u`. */
const attemptWhere = (condition: string) =>
  `EXISTS (SELECT 1 FROM usage u WHERE u.request_id = audit.request_id AND ${condition})`;

/**
 * The conditions of a filter beyond its environment, as SQL over `audit` for both stores; `param`
 * names a value (SQLite `@name`, PostgreSQL `$n`).
 */
export function auditConditions(filter: AuditFilter, param: (name: keyof AuditFilter) => string): string[] {
  const where: string[] = [];
  if (filter.since !== undefined) where.push(`at >= ${param('since')}`);
  if (filter.until !== undefined) where.push(`at < ${param('until')}`);
  if (filter.status !== undefined) where.push(`status = ${param('status')}`);
  if (filter.statusFrom !== undefined) where.push(`status >= ${param('statusFrom')}`);
  if (filter.statusTo !== undefined) where.push(`status <= ${param('statusTo')}`);
  if (filter.errors)
    where.push(`(status >= 400 OR error IS NOT NULL OR ${attemptWhere('(u.status >= 400 OR u.error IS NOT NULL)')})`);
  if (filter.resource !== undefined) where.push(`resource = ${param('resource')}`);
  if (filter.keyId !== undefined) where.push(`key_id = ${param('keyId')}`);
  if (filter.correlationId !== undefined) where.push(`correlation_id = ${param('correlationId')}`);
  if (filter.connectionId !== undefined) where.push(attemptWhere(`u.connection_id = ${param('connectionId')}`));
  if (filter.model !== undefined) where.push(attemptWhere(`u.model = ${param('model')}`));
  return where;
}

/** How many request ids `withPrefix` gives at most: enough to show a person the candidates. */
export const PREFIX_CANDIDATES = 10;

export type AuditRepo = ReturnType<typeof createAuditRepo>;

/** A row's values in the insert's column order (positional: binding by name costs a lookup per column). */
function auditValues(r: AuditRecord) {
  return [
    r.requestId,
    r.at,
    r.workspaceId,
    r.environmentId,
    r.keyId,
    r.resource,
    r.route,
    r.stream ? 1 : 0,
    r.status,
    r.error,
    toJson(r.events),
    toJson(r.timings),
    r.requestBody,
    r.responseBody,
    r.correlationId,
    r.durationMs,
  ] as const;
}

export function createAuditRepo(db: Database) {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO audit (request_id, at, workspace_id, environment_id, key_id, resource, route, stream, status,
       error, events, timings, request_body, response_body, correlation_id, duration_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const one = db.prepare<[string], Record<string, unknown>>('SELECT * FROM audit WHERE request_id = ?');
  const bodiesCursor = createStateCell(db, 'audit-bodies-cursor');
  const nextWithBodies = db.prepare<
    { at: number; rowid: number; before: number; limit: number },
    { rowid: number; at: number }
  >(
    `SELECT rowid, at FROM audit WHERE ((at = @at AND rowid > @rowid) OR at > @at) AND at < @before ORDER BY at, rowid LIMIT @limit`,
  );
  const dropBodiesOf = db.prepare<[number]>(
    'UPDATE audit SET request_body = NULL, response_body = NULL WHERE rowid = ?',
  );
  const prefixed = db.prepare<[string, string, string, number], { request_id: string }>(
    `SELECT request_id FROM audit WHERE request_id >= ? AND request_id < ? AND (environment_id = ? OR environment_id IS NULL)
     ORDER BY request_id LIMIT ?`,
  );
  const countAll = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit');
  const deleteOld = db.prepare<[number, number]>(
    'DELETE FROM audit WHERE rowid IN (SELECT rowid FROM audit WHERE at < ? ORDER BY at LIMIT ?)',
  );

  return {
    insert(record: AuditRecord): void {
      insert.run(...auditValues(record));
    },

    get(requestId: string): AuditRecord | undefined {
      const row = one.get(requestId);
      return row && toRecord(row);
    },

    /**
     * Drops the stored bodies of up to `limit` requests from before `before`; returns how many rows it
     * looked at (0: nothing older is left with bodies). A cursor remembers where it got to, so each
     * call only reads rows it has not seen.
     */
    pruneBodies(before: number, limit: number): number {
      const [at, rowid] = (bodiesCursor.get() ?? '0:0').split(':').map(Number) as [number, number];
      const rows = nextWithBodies.all({ at, rowid, before, limit });
      if (rows.length === 0) return 0;
      for (const row of rows) dropBodiesOf.run(row.rowid);
      const last = rows[rows.length - 1]!;
      bodiesCursor.set(`${last.at}:${last.rowid}`);
      return rows.length;
    },

    count: (): number => countAll.get()!.n,

    /** Deletes up to `limit` audit rows from before `before`; returns how many. */
    prune(before: number, limit: number): number {
      return deleteOld.run(before, limit).changes;
    },

    /** Newest first. */
    list(filter: AuditFilter): AuditRecord[] {
      const values: Record<string, unknown> = { environmentId: filter.environmentId, limit: filter.limit };
      const where = [
        'environment_id = @environmentId',
        ...auditConditions(filter, (name) => {
          values[name] = filter[name];
          return `@${name}`;
        }),
      ];
      const sql = `SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY at DESC, rowid DESC LIMIT @limit`;
      return (db.prepare(sql).all(values) as Record<string, unknown>[]).map(toRecord);
    },

    /**
     * Ids of requests of the environment (or of none: a path that named no environment) that start
     * with `prefix`, at most PREFIX_CANDIDATES + 1 so a caller can tell "too many". A range on the
     * primary key: ids are ASCII, and the key's order is their bytes'.
     */
    withPrefix(environmentId: string, prefix: string): string[] {
      const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
      return prefixed.all(prefix, end, environmentId, PREFIX_CANDIDATES + 1).map((row) => row.request_id);
    },
  };
}

function toRecord(row: Record<string, unknown>): AuditRecord {
  return {
    requestId: row.request_id as string,
    at: row.at as number,
    workspaceId: row.workspace_id as string | null,
    environmentId: row.environment_id as string | null,
    keyId: row.key_id as string | null,
    resource: row.resource as string | null,
    route: row.route as string,
    stream: row.stream === 1,
    status: row.status as number,
    error: row.error as string | null,
    events: fromJson(row.events as string),
    timings: fromJson(row.timings as string),
    requestBody: row.request_body as string | null,
    responseBody: row.response_body as string | null,
    correlationId: row.correlation_id as string | null,
    durationMs: row.duration_ms as number | null,
  };
}
