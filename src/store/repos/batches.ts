import type { Database } from 'better-sqlite3';
import {
  BATCH_TOTALS,
  batchColumns,
  claimableBatchesSql,
  dueItemsSql,
  lapsedItemsSql,
  itemColumns,
  newBatchId,
  EXPIRE_LEASES,
  NEXT_WAKE,
  outcomeColumns,
  parkedStatus,
  settleSql,
  toBatch,
  toBatchItem,
  toClaimedItem,
  wakeAt,
  type BatchItemRow,
  type BatchRow,
  type BatchTotalsRow,
  type ClaimableBatchRow,
} from './batch-rows.js';
import type {
  Batch,
  BatchItem,
  BatchItemOutcome,
  BatchItemStatus,
  BatchStatus,
  ClaimedItem,
  ClaimOptions,
  NewBatch,
  NewBatchItem,
} from './batch-model.js';

export * from './batch-model.js';

/** Which of a batch's items `items` reads, in order of idx. */
export interface ItemFilter {
  status?: BatchItemStatus;
  limit?: number;
  offset?: number;
}

/** A batch's produced files, once written. */
export interface BatchFiles {
  outputFileId: string | null;
  errorFileId: string | null;
}

export function createBatchRepo(db: Database): BatchRepo {
  return new BatchRepo(db);
}

type BatchWithTotals = BatchRow & BatchTotalsRow;

/** The statements of the repository: its batches' rows, then their items'. */
const statements = (db: Database) => ({ ...batchStatements(db), ...itemStatements(db) });

function batchStatements(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO batches (id, environment_id, key_id, created_by, source, type, endpoint, status, capacity,
                            callback, input_file_id, metadata, created_at, updated_at)
       VALUES (@id, @environmentId, @keyId, @createdBy, @source, @type, @endpoint, 'queued', @capacity,
               @callback, @inputFileId, @metadata, @now, @now)`,
    ),
    byId: db.prepare<[string, string], BatchWithTotals>(
      `SELECT b.*, ${BATCH_TOTALS} FROM batches b LEFT JOIN batch_items i ON i.batch_id = b.id
       WHERE b.environment_id = ? AND b.id = ? GROUP BY b.id`,
    ),
    page: db.prepare<{ environmentId: string; after: string | null; limit: number }, BatchWithTotals>(
      `WITH page AS (
         SELECT id FROM batches WHERE environment_id = @environmentId AND (@after IS NULL OR (created_at, id) <
           (SELECT created_at, id FROM batches WHERE environment_id = @environmentId AND id = @after))
         ORDER BY created_at DESC, id DESC LIMIT @limit)
       SELECT b.*, ${BATCH_TOTALS}
       FROM page JOIN batches b ON b.id = page.id LEFT JOIN batch_items i ON i.batch_id = b.id
       GROUP BY b.id ORDER BY b.created_at DESC, b.id DESC`,
    ),
    start: db.prepare(
      `UPDATE batches SET status = 'running', started_at = coalesce(started_at, @now), updated_at = @now
       WHERE id = @id AND status = 'queued'`,
    ),
    statusOf: db.prepare<[string], { status: BatchStatus }>('SELECT status FROM batches WHERE id = ?'),
    cancelling: db.prepare(
      "UPDATE batches SET status = 'cancelling', cancelled_at = @now, updated_at = @now WHERE id = @id",
    ),
    settle: db.prepare<{ id: string; now: string }>(settleSql('@id', '@now')),
    setFiles: db.prepare(
      `UPDATE batches SET output_file_id = @outputFileId, error_file_id = @errorFileId, updated_at = @now
       WHERE id = @batchId`,
    ),
  };
}

function itemStatements(db: Database) {
  return {
    insertItem: db.prepare(
      `INSERT INTO batch_items (batch_id, idx, line, custom_id, route, resource, request, status, error, updated_at)
       VALUES (@batchId, @idx, @line, @customId, @route, @resource, @request, @status, @error, @at)`,
    ),
    items: db.prepare<{ batchId: string; status: string | null; limit: number; offset: number }, BatchItemRow>(
      `SELECT * FROM batch_items WHERE batch_id = @batchId AND (@status IS NULL OR status = @status)
       ORDER BY idx LIMIT @limit OFFSET @offset`,
    ),
    abandon: db.prepare<{ now: number }, { batch_id: string }>(
      `UPDATE batch_items SET status = 'cancelled', claimed_by = NULL, claimed_until = NULL, updated_at = @now
       WHERE status = 'running' AND claimed_until < @now
         AND batch_id IN (SELECT id FROM batches WHERE status = 'cancelling') RETURNING batch_id`,
    ),
    claimableBatches: db.prepare<{ now: number }, ClaimableBatchRow>(claimableBatchesSql('@now')),
    pick: db.prepare<{ batchId: string; now: number; limit: number }, { idx: number }>(
      `SELECT idx FROM (${dueItemsSql('@batchId', '@now', '@limit')})
       UNION ALL SELECT idx FROM (${lapsedItemsSql('@batchId', '@now', '@limit')}) ORDER BY idx LIMIT @limit`,
    ),
    take: db.prepare<{ owner: string; until: number; now: number; batchId: string; idx: number }, BatchItemRow>(
      `UPDATE batch_items SET status = 'running', claimed_by = @owner, claimed_until = @until, attempts = attempts + 1,
         updated_at = @now WHERE batch_id = @batchId AND idx = @idx RETURNING *`,
    ),
    finish: db.prepare(
      `UPDATE batch_items SET status = @status, request_id = @requestId, status_code = @statusCode,
         response = @response, error = @error, input_tokens = @inputTokens, output_tokens = @outputTokens,
         claimed_by = NULL, claimed_until = NULL, updated_at = @at
       WHERE batch_id = @batchId AND idx = @idx AND claimed_by = @owner AND status = 'running'`,
    ),
    park: db.prepare(
      `UPDATE batch_items SET status = @status, not_before = @notBefore, claimed_by = NULL, claimed_until = NULL,
         updated_at = @at WHERE batch_id = @batchId AND idx = @idx AND claimed_by = @owner AND status = 'running'`,
    ),
    cancelQueued: db.prepare(
      "UPDATE batch_items SET status = 'cancelled', updated_at = @at WHERE batch_id = @id AND status = 'queued'",
    ),
    nextWake: db.prepare<[], { due: number | null; lease: number | null }>(NEXT_WAKE),
  };
}

/**
 * Batches and their items. Runners claim items under a lease, and only the claim's owner may finish or
 * park an item; every write that may end a batch's last item settles the batch (completed, or
 * cancelled when it was cancelling). Each write is one IMMEDIATE transaction: on this file, one writer
 * at a time across daemons and CLI runs.
 */
export class BatchRepo {
  private readonly sql: ReturnType<typeof statements>;

  constructor(private readonly db: Database) {
    this.sql = statements(db);
  }

  /**
   * Creates a batch with its items (idx 0..n-1 in the order given) in one transaction: queued, or
   * failed for an item that comes with its error. A batch with nothing to run is completed at once.
   */
  create(input: NewBatch, items: readonly NewBatchItem[]): Batch {
    const id = newBatchId();
    const now = new Date();
    const iso = now.toISOString();
    this.db
      .transaction(() => {
        this.sql.insert.run({ ...batchColumns(input), id, now: iso });
        items.forEach((item, idx) =>
          this.sql.insertItem.run({ ...itemColumns(item), batchId: id, idx, at: now.getTime() }),
        );
        this.sql.settle.run({ id, now: iso });
      })
      .immediate();
    return this.get(input.environmentId, id)!;
  }

  get(environmentId: string, id: string): Batch | undefined {
    const row = this.sql.byId.get(environmentId, id);
    return row && toBatch(row);
  }

  /** The environment's batches, newest first; `after` (a batch id) starts after that batch. */
  list(environmentId: string, options: { limit: number; after?: string }): Batch[] {
    return this.sql.page.all({ environmentId, after: options.after ?? null, limit: options.limit }).map(toBatch);
  }

  /** The batch's items (of one status, when given), in order. */
  items(batchId: string, filter: ItemFilter = {}): BatchItem[] {
    const { status = null, limit = -1, offset = 0 } = filter;
    return this.sql.items.all({ batchId, status, limit, offset }).map(toBatchItem);
  }

  /**
   * Takes up to `limit` items to run, oldest batch first then by idx: queued ones that are due, and
   * running ones whose lease ran out (their daemon died). They become running under `owner`'s lease;
   * their batches start. Items left running past their lease in a cancelling batch are cancelled.
   */
  claim({ owner, now, limit, leaseMs }: ClaimOptions): ClaimedItem[] {
    const iso = new Date(now).toISOString();
    return this.db
      .transaction(() => {
        for (const id of new Set(this.sql.abandon.all({ now }).map((r) => r.batch_id)))
          this.sql.settle.run({ id, now: iso });
        const claimed: ClaimedItem[] = [];
        for (const batch of this.sql.claimableBatches.all({ now })) {
          if (claimed.length >= limit) break;
          for (const { idx } of this.sql.pick.all({ batchId: batch.id, now, limit: limit - claimed.length })) {
            const row = this.sql.take.get({ owner, until: now + leaseMs, now, batchId: batch.id, idx })!;
            claimed.push(toClaimedItem({ ...row, ...batch }));
          }
          this.sql.start.run({ id: batch.id, now: iso });
        }
        return claimed;
      })
      .immediate();
  }

  /**
   * Records the outcome of an item `owner` still holds (false when it lost the claim: the lease ran
   * out and another runner took the item), and settles the batch when that was its last item.
   */
  finish(batchId: string, idx: number, owner: string, outcome: BatchItemOutcome): boolean {
    return this.db
      .transaction(() => {
        const at = Date.now();
        const columns = { ...outcomeColumns(outcome), batchId, idx, owner, at };
        const held = this.sql.finish.run(columns).changes > 0;
        if (held) this.sql.settle.run({ id: batchId, now: new Date(at).toISOString() });
        return held;
      })
      .immediate();
  }

  /**
   * Gives back an item `owner` still holds, to be claimed again from `notBefore` (ms); its attempts
   * stay counted. In a batch being cancelled the item is cancelled instead. False when not held.
   */
  park(batchId: string, idx: number, owner: string, notBefore: number): boolean {
    return this.db
      .transaction(() => {
        const at = Date.now();
        const status = parkedStatus(this.sql.statusOf.get(batchId)?.status);
        const held = this.sql.park.run({ status, notBefore, batchId, idx, owner, at }).changes > 0;
        if (held) this.sql.settle.run({ id: batchId, now: new Date(at).toISOString() });
        return held;
      })
      .immediate();
  }

  /**
   * Cancels a queued or running batch: its queued items are cancelled; the batch is cancelled, or
   * cancelling until its running items finish. A finished batch is returned as it is.
   */
  cancel(environmentId: string, id: string): Batch | undefined {
    return this.db
      .transaction(() => {
        const batch = this.get(environmentId, id);
        if (batch?.status !== 'queued' && batch?.status !== 'running') return batch;
        const now = new Date();
        this.sql.cancelQueued.run({ id, at: now.getTime() });
        this.sql.cancelling.run({ id, now: now.toISOString() });
        this.sql.settle.run({ id, now: now.toISOString() });
        return this.get(environmentId, id);
      })
      .immediate();
  }

  /** Records the files a finished batch produced. */
  setFiles(batchId: string, files: BatchFiles): void {
    this.sql.setFiles.run({ ...files, batchId, now: new Date().toISOString() });
  }

  /**
   * When a claim may next find work (ms, never before `now`): the earliest due queued item, or the
   * end of the first running item's lease. Null when nothing is queued or running.
   */
  nextWake(now: number): number | null {
    return wakeAt(this.sql.nextWake.get(), now);
  }

  /**
   * Ends every claim's lease now, so that the next claim takes the items over: for the daemon of an
   * embedded store, the only runner there is, whose earlier process died holding them. Returns how many.
   */
  expireLeases(): number {
    return this.db.prepare(EXPIRE_LEASES).run().changes;
  }
}
