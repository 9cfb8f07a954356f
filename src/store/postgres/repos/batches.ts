import type pg from 'pg';
import type { Async } from '../../backend.js';
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
} from '../../repos/batch-rows.js';
import type { BatchRepo, BatchStatus, ClaimedItem, NewBatchItem } from '../../repos/batches.js';
import { atomically, type Queryable } from '../queryable.js';

type Repo = Async<BatchRepo>;
type BatchWithTotals = BatchRow & BatchTotalsRow;

const GET = `SELECT b.*, ${BATCH_TOTALS} FROM batches b LEFT JOIN batch_items i ON i.batch_id = b.id
  WHERE b.environment_id = $1 AND b.id = $2 GROUP BY b.id`;

const PAGE = `WITH page AS (
    SELECT id FROM batches WHERE environment_id = $1 AND ($2::text IS NULL OR (created_at, id) <
      (SELECT created_at, id FROM batches WHERE environment_id = $1 AND id = $2))
    ORDER BY created_at DESC, id DESC LIMIT $3)
  SELECT b.*, ${BATCH_TOTALS}
  FROM page JOIN batches b ON b.id = page.id LEFT JOIN batch_items i ON i.batch_id = b.id
  GROUP BY b.id ORDER BY b.created_at DESC, b.id DESC`;

/** Items from one array per column, numbered from the chunk's first idx ($2). */
const INSERT_ITEMS = `INSERT INTO batch_items
    (batch_id, idx, line, custom_id, route, resource, request, status, error, updated_at)
  SELECT $1, $2 + r.n - 1, r.line, r.custom_id, r.route, r.resource, r.request, r.status, r.error, $3
  FROM unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
    WITH ORDINALITY AS r(line, custom_id, route, resource, request, status, error, n)`;

/** Items per INSERT_ITEMS statement: a large batch goes in several, in the one transaction. */
const ITEM_CHUNK = 1000;

/**
 * From this many items, creating a batch refreshes batch_items' statistics at once: until autovacuum
 * gets to it, the planner would take the new batch for a few rows, and sort all of them on every claim
 * rather than walk `batch_items_by_batch` in order.
 */
const ANALYZE_FROM = 10_000;

const CLAIMABLE_BATCHES = claimableBatchesSql('$1');

/**
 * A claim's take of one batch ($1), in one statement: its first due and lapsed items are locked with
 * SKIP LOCKED, so that daemons claiming at the same instant each take other items, and an item taken
 * meanwhile (now running on a live lease) is re-checked and passed over. The batch starts unless
 * another transaction holds it (a claim starting it, or a cancel): the claim never waits on a lock,
 * so it cannot deadlock with a finish.
 */
const CLAIM_IN_BATCH = `WITH due AS (${dueItemsSql('$1', '$2', '$3')} FOR UPDATE SKIP LOCKED),
  lapsed AS (${lapsedItemsSql('$1', '$2', '$3')} FOR UPDATE SKIP LOCKED),
  picked AS (SELECT idx FROM due UNION ALL SELECT idx FROM lapsed ORDER BY idx LIMIT $3),
  claimed AS (
    UPDATE batch_items SET status = 'running', claimed_by = $4, claimed_until = $5, attempts = attempts + 1,
      updated_at = $2
    WHERE batch_id = $1 AND idx IN (SELECT idx FROM picked) RETURNING *
  ),
  started AS (
    UPDATE batches SET status = 'running', started_at = coalesce(started_at, $6), updated_at = $6
    WHERE id IN (SELECT id FROM batches WHERE id = $1 AND status = 'queued' AND EXISTS (SELECT 1 FROM claimed)
                 FOR NO KEY UPDATE SKIP LOCKED)
  )
  SELECT * FROM claimed ORDER BY idx`;

/** Cancelling batches with an item left running past its lease (its daemon died mid-cancel). */
const ABANDONED = `SELECT id FROM batches b WHERE status = 'cancelling' AND EXISTS (
    SELECT 1 FROM batch_items i WHERE i.batch_id = b.id AND i.status = 'running' AND i.claimed_until < $1)
  FOR NO KEY UPDATE SKIP LOCKED`;

const SETTLE = settleSql('$1', '$2');

/**
 * Batches on PostgreSQL; behaves as the SQLite BatchRepo. Every write that changes a batch's state
 * (finish, park, cancel) first locks the batch's row, then its items, so that the last of several
 * finishes sees the others' and settles the batch; the claim locks items, and only skips locks.
 */
export function createPgBatchRepo(q: Queryable): Repo {
  return { ...reads(q), ...runs(q), ...writes(q) };
}

/** The batch with its totals, read on `q` (inside a transaction, as it stands there). */
async function getBatch(q: Queryable, environmentId: string, id: string) {
  const { rows } = await q.query<BatchWithTotals>(GET, [environmentId, id]);
  return rows[0] && toBatch(rows[0]);
}

/** Locks a batch's row until the transaction ends; its status, if it exists. */
async function lockBatch(client: pg.PoolClient, id: string): Promise<BatchStatus | undefined> {
  const { rows } = await client.query<{ status: BatchStatus }>(
    'SELECT status FROM batches WHERE id = $1 FOR NO KEY UPDATE',
    [id],
  );
  return rows[0]?.status;
}

async function insertItems(client: pg.PoolClient, batchId: string, items: readonly NewBatchItem[], at: number) {
  for (let first = 0; first < items.length; first += ITEM_CHUNK) {
    const rows = items.slice(first, first + ITEM_CHUNK).map(itemColumns);
    const columns = (['line', 'customId', 'route', 'resource', 'request', 'status', 'error'] as const).map((key) =>
      rows.map((row) => row[key]),
    );
    await client.query(INSERT_ITEMS, [batchId, first, at, ...columns]);
  }
}

/** Cancels the items left running past their lease in cancelling batches, and settles those batches. */
async function dropAbandoned(client: pg.PoolClient, now: number, iso: string): Promise<void> {
  const { rows } = await client.query<{ id: string }>(ABANDONED, [now]);
  for (const { id } of rows) {
    await client.query(
      `UPDATE batch_items SET status = 'cancelled', claimed_by = NULL, claimed_until = NULL, updated_at = $2
       WHERE batch_id = $1 AND status = 'running' AND claimed_until < $2`,
      [id, now],
    );
    await client.query(SETTLE, [id, iso]);
  }
}

function reads(q: Queryable): Pick<Repo, 'get' | 'list' | 'items' | 'nextWake'> {
  return {
    get: (environmentId, id) => getBatch(q, environmentId, id),

    /** The environment's batches, newest first; `after` (a batch id) starts after that batch. */
    async list(environmentId, options) {
      const { rows } = await q.query<BatchWithTotals>(PAGE, [environmentId, options.after ?? null, options.limit]);
      return rows.map(toBatch);
    },

    /** The batch's items (of one status, when given), in order. */
    async items(batchId, filter = {}) {
      const { rows } = await q.query<BatchItemRow>(
        `SELECT * FROM batch_items WHERE batch_id = $1 AND ($2::text IS NULL OR status = $2)
         ORDER BY idx LIMIT $3 OFFSET $4`,
        [batchId, filter.status ?? null, filter.limit ?? null, filter.offset ?? 0],
      );
      return rows.map(toBatchItem);
    },

    /** When a claim may next find work (ms, never before `now`); null when nothing is queued or running. */
    async nextWake(now) {
      const { rows } = await q.query<{ due: number | null; lease: number | null }>(NEXT_WAKE);
      return wakeAt(rows[0], now);
    },
  };
}

function runs(q: Queryable): Pick<Repo, 'claim' | 'finish' | 'park' | 'expireLeases'> {
  return {
    /** Ends every claim's lease now (see the SQLite repository). */
    async expireLeases() {
      return (await q.query(EXPIRE_LEASES)).rowCount ?? 0;
    },

    /** Takes up to `limit` due or abandoned items, oldest batch first; no item goes to two claimers. */
    async claim({ owner, now, limit, leaseMs }) {
      const iso = new Date(now).toISOString();
      return atomically(q, async (client) => {
        await dropAbandoned(client, now, iso);
        const claimed: ClaimedItem[] = [];
        for (const batch of (await client.query<ClaimableBatchRow>(CLAIMABLE_BATCHES, [now])).rows) {
          if (claimed.length >= limit) break;
          const values = [batch.id, now, limit - claimed.length, owner, now + leaseMs, iso];
          const { rows } = await client.query<BatchItemRow>(CLAIM_IN_BATCH, values);
          claimed.push(...rows.map((row) => toClaimedItem({ ...row, ...batch })));
        }
        return claimed;
      });
    },

    /** Records the outcome of an item `owner` still holds (false when it lost the claim); settles the batch. */
    async finish(batchId, idx, owner, outcome) {
      return atomically(q, async (client) => {
        await lockBatch(client, batchId);
        const at = Date.now();
        const c = outcomeColumns(outcome);
        const { rowCount } = await client.query(
          `UPDATE batch_items SET status = $4, request_id = $5, status_code = $6, response = $7, error = $8,
             input_tokens = $9, output_tokens = $10, claimed_by = NULL, claimed_until = NULL, updated_at = $11
           WHERE batch_id = $1 AND idx = $2 AND claimed_by = $3 AND status = 'running'`,
          [
            batchId,
            idx,
            owner,
            c.status,
            c.requestId,
            c.statusCode,
            c.response,
            c.error,
            c.inputTokens,
            c.outputTokens,
            at,
          ],
        );
        if (!rowCount) return false;
        await client.query(SETTLE, [batchId, new Date(at).toISOString()]);
        return true;
      });
    },

    /** Gives back an item `owner` still holds, due again at `notBefore` (cancelled in a cancelling batch). */
    async park(batchId, idx, owner, notBefore) {
      return atomically(q, async (client) => {
        const status = parkedStatus(await lockBatch(client, batchId));
        const at = Date.now();
        const { rowCount } = await client.query(
          `UPDATE batch_items SET status = $4, not_before = $5, claimed_by = NULL, claimed_until = NULL, updated_at = $6
           WHERE batch_id = $1 AND idx = $2 AND claimed_by = $3 AND status = 'running'`,
          [batchId, idx, owner, status, notBefore, at],
        );
        if (!rowCount) return false;
        await client.query(SETTLE, [batchId, new Date(at).toISOString()]);
        return true;
      });
    },
  };
}

function writes(q: Queryable): Pick<Repo, 'create' | 'cancel' | 'setFiles'> {
  return {
    /** Creates a batch with its items in one transaction; a batch with nothing to run is completed at once. */
    async create(input, items) {
      const id = newBatchId();
      const now = new Date();
      const iso = now.toISOString();
      const c = batchColumns(input);
      await atomically(q, async (client) => {
        await client.query(
          `INSERT INTO batches (id, environment_id, key_id, created_by, source, type, endpoint, status, capacity,
                                callback, input_file_id, metadata, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9, $10, $11, $12, $12)`,
          [
            id,
            c.environmentId,
            c.keyId,
            c.createdBy,
            c.source,
            c.type,
            c.endpoint,
            c.capacity,
            c.callback,
            c.inputFileId,
            c.metadata,
            iso,
          ],
        );
        await insertItems(client, id, items, now.getTime());
        await client.query(SETTLE, [id, iso]);
      });
      if (items.length >= ANALYZE_FROM) await q.query('ANALYZE batch_items');
      return (await getBatch(q, input.environmentId, id))!;
    },

    /** Cancels a queued or running batch (cancelling while items run); a finished batch is returned as it is. */
    async cancel(environmentId, id) {
      return atomically(q, async (client) => {
        const { rows } = await client.query<{ status: BatchStatus }>(
          'SELECT status FROM batches WHERE environment_id = $1 AND id = $2 FOR NO KEY UPDATE',
          [environmentId, id],
        );
        const status = rows[0]?.status;
        if (status === 'queued' || status === 'running') {
          const now = new Date();
          await client.query(
            "UPDATE batch_items SET status = 'cancelled', updated_at = $2 WHERE batch_id = $1 AND status = 'queued'",
            [id, now.getTime()],
          );
          await client.query(
            "UPDATE batches SET status = 'cancelling', cancelled_at = $2, updated_at = $2 WHERE id = $1",
            [id, now.toISOString()],
          );
          await client.query(SETTLE, [id, now.toISOString()]);
        }
        return getBatch(client, environmentId, id);
      });
    },

    /** Records the files a finished batch produced. */
    async setFiles(batchId, files) {
      await q.query('UPDATE batches SET output_file_id = $2, error_file_id = $3, updated_at = $4 WHERE id = $1', [
        batchId,
        files.outputFileId,
        files.errorFileId,
        new Date().toISOString(),
      ]);
    },
  };
}
