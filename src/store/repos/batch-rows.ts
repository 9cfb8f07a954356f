import { fromJson, toJson } from '../rows.js';
import type {
  Batch,
  BatchCounts,
  BatchItem,
  BatchItemOutcome,
  BatchItemStatus,
  BatchRoute,
  BatchSource,
  BatchStatus,
  BatchType,
  ClaimedItem,
  NewBatch,
  NewBatchItem,
} from './batch-model.js';

/*
 * Batches as stored: the rows, their mappers, and the SQL both backends share (so that their rules
 * cannot drift), each statement taking the backend's placeholders (`@name` on SQLite, `$n` on
 * PostgreSQL). The repositories are repos/batches.ts and postgres/repos/batches.ts.
 */

export interface BatchRow {
  id: string;
  environment_id: string;
  key_id: string | null;
  created_by: string;
  source: BatchSource;
  type: BatchType;
  endpoint: string;
  status: BatchStatus;
  capacity: string;
  callback: string | null;
  input_file_id: string | null;
  output_file_id: string | null;
  error_file_id: string | null;
  metadata: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  cancelled_at: string | null;
  updated_at: string;
}

/** The columns of {@link BATCH_TOTALS}. */
export interface BatchTotalsRow extends BatchCounts {
  input_tokens: number;
  output_tokens: number;
  next_at: number | null;
}

export interface BatchItemRow {
  batch_id: string;
  idx: number;
  line: number | null;
  custom_id: string | null;
  route: BatchRoute;
  resource: string;
  request: string | null;
  status: BatchItemStatus;
  attempts: number;
  not_before: number;
  claimed_by: string | null;
  claimed_until: number | null;
  request_id: string | null;
  status_code: number | null;
  response: string | null;
  error: string | null;
  input_tokens: number;
  output_tokens: number;
  updated_at: number;
}

/** A batch as a claim reads it: what its claimed items carry. */
export type ClaimableBatchRow = Pick<BatchRow, 'id' | 'environment_id' | 'key_id' | 'capacity'>;

export type ClaimedItemRow = BatchItemRow & Omit<ClaimableBatchRow, 'id'>;

/** A batch `b`'s totals over its items `i` (LEFT JOINed, grouped by b.id). */
export const BATCH_TOTALS = `count(i.idx) AS total,
  count(i.idx) FILTER (WHERE i.status = 'queued') AS queued,
  count(i.idx) FILTER (WHERE i.status = 'running') AS running,
  count(i.idx) FILTER (WHERE i.status = 'completed') AS completed,
  count(i.idx) FILTER (WHERE i.status = 'failed') AS failed,
  count(i.idx) FILTER (WHERE i.status = 'cancelled') AS cancelled,
  coalesce(sum(i.input_tokens), 0) AS input_tokens,
  coalesce(sum(i.output_tokens), 0) AS output_tokens,
  min(i.not_before) FILTER (WHERE i.status = 'queued') AS next_at`;

/**
 * The batches a claim at `now` takes items from, oldest first: queued or running ones with an item
 * that is due, or running on a lease that ran out (its daemon died).
 */
export const claimableBatchesSql = (now: string) => `SELECT id, environment_id, key_id, capacity FROM batches b
  WHERE status IN ('queued', 'running') AND (
    EXISTS (SELECT 1 FROM batch_items i
            WHERE i.batch_id = b.id AND i.status = 'queued' AND +i.not_before <= ${now})
    OR EXISTS (SELECT 1 FROM batch_items i
               WHERE i.batch_id = b.id AND i.status = 'running' AND i.claimed_until < ${now}))
  ORDER BY created_at, id`;

/**
 * A batch's first `limit` due items by idx; with {@link lapsedItemsSql}, what a claim takes of it.
 * Both walk `batch_items_by_batch` in idx order, so a claim costs its limit, not the size of the
 * batch (`+not_before` is no index term: SQLite would otherwise take `batch_items_claimable` and sort).
 */
export const dueItemsSql = (batch: string, now: string, limit: string) => `SELECT idx FROM batch_items
  WHERE batch_id = ${batch} AND status = 'queued' AND +not_before <= ${now} ORDER BY idx LIMIT ${limit}`;

/** A batch's first `limit` items by idx left running past their lease. */
export const lapsedItemsSql = (batch: string, now: string, limit: string) => `SELECT idx FROM batch_items
  WHERE batch_id = ${batch} AND status = 'running' AND claimed_until < ${now} ORDER BY idx LIMIT ${limit}`;

/**
 * Ends batch `id` once none of its items is queued or running: 'completed', or 'cancelled' when it
 * was cancelling. A no-op otherwise, so every write that may have ended an item runs it.
 */
export const settleSql = (id: string, now: string) => `UPDATE batches
  SET status = CASE status WHEN 'cancelling' THEN 'cancelled' ELSE 'completed' END,
    finished_at = ${now}, updated_at = ${now}
  WHERE id = ${id} AND status IN ('queued', 'running', 'cancelling')
    AND NOT EXISTS (SELECT 1 FROM batch_items WHERE batch_id = ${id} AND status IN ('queued', 'running'))`;

/**
 * When a claim may next find work: the earliest due time of a queued item, and the first moment a
 * running item's lease has run out (a claim takes it once `claimed_until < now`). Only queued and
 * running batches have queued items (cancel, park and settle see to it), so no join: two lookups in
 * `batch_items_claimable`.
 */
export const NEXT_WAKE = `SELECT
  (SELECT min(not_before) FROM batch_items WHERE status = 'queued') AS due,
  (SELECT min(claimed_until) + 1 FROM batch_items WHERE status = 'running') AS lease`;

/** Ends every lease at once (their holder is gone): the next claim takes the items over. */
export const EXPIRE_LEASES = "UPDATE batch_items SET claimed_until = 0 WHERE status = 'running'";

/** A new batch id, as OpenAI spells them: `batch_` and 32 hex digits. */
export const newBatchId = (): string =>
  `batch_${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')}`;

/** The stored columns of a new batch, as both backends write them. */
export const batchColumns = (input: NewBatch) => ({
  environmentId: input.environmentId,
  keyId: input.keyId,
  createdBy: input.createdBy,
  source: input.source,
  type: input.type,
  endpoint: input.endpoint,
  capacity: toJson(input.capacity),
  callback: toJson(input.callback),
  inputFileId: input.inputFileId ?? null,
  metadata: toJson(input.metadata),
});

/** The stored columns of a new item: queued, or failed when it comes with its error. */
export const itemColumns = (item: NewBatchItem) => ({
  line: item.line ?? null,
  customId: item.customId ?? null,
  route: item.route,
  resource: item.resource,
  request: toJson(item.request),
  status: (item.error ? 'failed' : 'queued') as BatchItemStatus,
  error: toJson(item.error),
});

/** What a parked item becomes: queued again, or cancelled when its batch is being cancelled. */
export const parkedStatus = (batchStatus: BatchStatus | undefined): BatchItemStatus =>
  batchStatus === 'cancelling' ? 'cancelled' : 'queued';

/** The earliest of a NEXT_WAKE row's times, never before `now`; null when nothing waits. */
export function wakeAt(row: { due: number | null; lease: number | null } | undefined, now: number): number | null {
  const times = [row?.due, row?.lease].filter((t): t is number => t !== null && t !== undefined);
  return times.length === 0 ? null : Math.max(now, Math.min(...times));
}

export const toBatch = (row: BatchRow & BatchTotalsRow): Batch => ({
  id: row.id,
  environmentId: row.environment_id,
  keyId: row.key_id,
  createdBy: row.created_by,
  source: row.source,
  type: row.type,
  endpoint: row.endpoint,
  status: row.status,
  capacity: fromJson(row.capacity),
  callback: fromJson(row.callback),
  inputFileId: row.input_file_id,
  outputFileId: row.output_file_id,
  errorFileId: row.error_file_id,
  metadata: fromJson(row.metadata),
  createdAt: row.created_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  cancelledAt: row.cancelled_at,
  updatedAt: row.updated_at,
  counts: {
    total: row.total,
    queued: row.queued,
    running: row.running,
    completed: row.completed,
    failed: row.failed,
    cancelled: row.cancelled,
  },
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  nextAt: row.next_at,
});

export const toBatchItem = (row: BatchItemRow): BatchItem => ({
  batchId: row.batch_id,
  idx: row.idx,
  line: row.line,
  customId: row.custom_id,
  route: row.route,
  resource: row.resource,
  request: fromJson(row.request),
  status: row.status,
  attempts: row.attempts,
  notBefore: row.not_before,
  claimedBy: row.claimed_by,
  claimedUntil: row.claimed_until,
  requestId: row.request_id,
  statusCode: row.status_code,
  response: fromJson(row.response),
  error: fromJson(row.error),
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  updatedAt: row.updated_at,
});

export const toClaimedItem = (row: ClaimedItemRow): ClaimedItem => ({
  ...toBatchItem(row),
  environmentId: row.environment_id,
  keyId: row.key_id,
  capacity: fromJson(row.capacity),
});

/** The stored columns of an attempt's outcome, as both backends write them. */
export const outcomeColumns = (outcome: BatchItemOutcome) => ({
  status: outcome.status,
  requestId: outcome.requestId,
  statusCode: outcome.statusCode,
  response: toJson(outcome.response),
  error: toJson(outcome.error),
  inputTokens: outcome.inputTokens,
  outputTokens: outcome.outputTokens,
});
