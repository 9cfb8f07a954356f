import type { Async } from '../../backend.js';
import {
  auditConditions,
  PREFIX_CANDIDATES,
  type AuditFilter,
  type AuditRecord,
  type AuditRepo,
} from '../../repos/audit.js';
import { fromJson, toJson } from '../../rows.js';
import type { Queryable } from '../queryable.js';
import { createPgStateCell } from './settings.js';

/**
 * A record whose strings hold no NUL character: PostgreSQL text cannot store one (SQLite can), and one
 * such character in a client's body or model name would fail the whole batch it came with. Each NUL
 * becomes U+FFFD, the replacement character.
 */
export function withoutNul<T extends object>(record: T): T {
  let copy: T | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== 'string' || !value.includes('\u0000')) continue;
    copy ??= { ...record };
    (copy as Record<string, unknown>)[key] = value.replaceAll('\u0000', '\uFFFD');
  }
  return copy ?? record;
}

type Column = readonly [name: string, type: string, value: (r: AuditRecord) => unknown];

const COLUMNS: readonly Column[] = [
  ['request_id', 'text', (r) => r.requestId],
  ['at', 'bigint', (r) => r.at],
  ['workspace_id', 'text', (r) => r.workspaceId],
  ['environment_id', 'text', (r) => r.environmentId],
  ['key_id', 'text', (r) => r.keyId],
  ['resource', 'text', (r) => r.resource],
  ['route', 'text', (r) => r.route],
  ['stream', 'smallint', (r) => (r.stream ? 1 : 0)],
  ['status', 'bigint', (r) => r.status],
  ['error', 'text', (r) => r.error],
  ['events', 'text', (r) => toJson(r.events)],
  ['timings', 'text', (r) => toJson(r.timings)],
  ['request_body', 'text', (r) => r.requestBody],
  ['response_body', 'text', (r) => r.responseBody],
  ['correlation_id', 'text', (r) => r.correlationId],
  ['duration_ms', 'double precision', (r) => r.durationMs],
];

const NAMES = COLUMNS.map(([name]) => name);

/** Audit rows from one array per column; a request recorded again replaces its row (as SQLite's INSERT OR REPLACE). */
const INSERT_SQL = `INSERT INTO audit (${NAMES.join(', ')})
  SELECT ${NAMES.join(', ')} FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
    WITH ORDINALITY AS r(${NAMES.join(', ')}, n) ORDER BY n
  ON CONFLICT (request_id) DO UPDATE SET ${NAMES.slice(1)
    .map((name) => `${name} = excluded.${name}`)
    .join(', ')}`;

/**
 * The next rows whose bodies may go, after the cursor (at, request_id) and before the retention
 * cutoff; the bodies still there are dropped, and the last row seen is returned with how many were seen.
 */
const DROP_BODIES_SQL = `WITH next AS (
    SELECT request_id, at FROM audit
    WHERE at >= $1 AND (at, request_id) > ($1, $2) AND at < $3 ORDER BY at, request_id LIMIT $4
  ), dropped AS (
    UPDATE audit SET request_body = NULL, response_body = NULL FROM next
    WHERE audit.request_id = next.request_id AND (audit.request_body IS NOT NULL OR audit.response_body IS NOT NULL)
  )
  SELECT at, request_id, (SELECT count(*) FROM next) AS seen FROM next ORDER BY at DESC, request_id DESC LIMIT 1`;

/** The PostgreSQL audit repository: the SQLite one's methods, plus a many-row insert for the record writer. */
export type PgAuditRepo = Async<AuditRepo> & { insertMany(records: readonly AuditRecord[]): Promise<void> };

/** Audit rows (one per client request) in PostgreSQL. */
export function createPgAuditRepo(q: Queryable): PgAuditRepo {
  const bodiesCursor = createPgStateCell(q, 'audit-bodies-cursor');

  async function insertMany(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One row per request in a statement (the last recorded wins), in the order they came.
    const last = new Map(records.map((r) => [r.requestId, withoutNul(r)]));
    const rows = [...last.values()];
    await q.query(
      INSERT_SQL,
      COLUMNS.map(([, , value]) => rows.map(value)),
    );
  }

  return {
    insertMany,
    insert: (record: AuditRecord) => insertMany([record]),

    async get(requestId: string) {
      const { rows } = await q.query<Record<string, unknown>>('SELECT * FROM audit WHERE request_id = $1', [requestId]);
      return rows[0] && toRecord(rows[0]);
    },

    /**
     * Drops the stored bodies of up to `limit` requests from before `before`; returns how many rows it
     * looked at (0: nothing older is left with bodies). A cursor remembers where it got to, so each
     * call only reads rows it has not seen.
     */
    async pruneBodies(before: number, limit: number) {
      const cursor = (await bodiesCursor.get()) ?? '0:';
      const split = cursor.indexOf(':');
      const at = Number(cursor.slice(0, split));
      const { rows } = await q.query<{ at: string; request_id: string; seen: string }>(DROP_BODIES_SQL, [
        at,
        cursor.slice(split + 1),
        before,
        limit,
      ]);
      const last = rows[0];
      if (!last) return 0;
      await bodiesCursor.set(`${Number(last.at)}:${last.request_id}`);
      return Number(last.seen);
    },

    /** See the SQLite repository's; starts_with() compares code points, whatever the database's collation. */
    async withPrefix(environmentId: string, prefix: string) {
      const { rows } = await q.query<{ request_id: string }>(
        `SELECT request_id FROM audit WHERE starts_with(request_id, $1) AND (environment_id = $2 OR environment_id IS NULL)
         ORDER BY request_id COLLATE "C" LIMIT $3`,
        [prefix, environmentId, PREFIX_CANDIDATES + 1],
      );
      return rows.map((row) => row.request_id);
    },

    async count() {
      const { rows } = await q.query<{ n: string }>('SELECT count(*) AS n FROM audit');
      return Number(rows[0]!.n);
    },

    /** Deletes up to `limit` audit rows from before `before`; returns how many. */
    async prune(before: number, limit: number) {
      const { rowCount } = await q.query(
        'DELETE FROM audit WHERE request_id IN (SELECT request_id FROM audit WHERE at < $1 ORDER BY at LIMIT $2)',
        [before, limit],
      );
      return rowCount ?? 0;
    },

    /** Newest first; requests recorded in the same millisecond by request id, last first. */
    async list(filter: AuditFilter) {
      const values: unknown[] = [filter.environmentId];
      const where = [
        'environment_id = $1',
        ...auditConditions(filter, (name) => {
          values.push(filter[name]);
          return `$${values.length}`;
        }),
      ];
      values.push(filter.limit);
      const sql = `SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY at DESC, request_id DESC LIMIT $${values.length}`;
      const { rows } = await q.query<Record<string, unknown>>(sql, values);
      return rows.map(toRecord);
    },
  };
}

function toRecord(row: Record<string, unknown>): AuditRecord {
  return {
    requestId: row.request_id as string,
    at: Number(row.at),
    workspaceId: row.workspace_id as string | null,
    environmentId: row.environment_id as string | null,
    keyId: row.key_id as string | null,
    resource: row.resource as string | null,
    route: row.route as string,
    stream: Number(row.stream) === 1,
    status: Number(row.status),
    error: row.error as string | null,
    events: fromJson(row.events as string),
    timings: fromJson(row.timings as string),
    requestBody: row.request_body as string | null,
    responseBody: row.response_body as string | null,
    correlationId: row.correlation_id as string | null,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  };
}
