import type pg from 'pg';
import type { AuditRecord } from '../repos/audit.js';
import type { DiscoveredCapacity } from '../repos/connections.js';
import type { UsageRecord } from '../repos/usage.js';
import { emptyBatch, isEmpty, type RecordBatch } from '../record-batch.js';
import type { RetentionPolicy } from '../retention.js';
import { createPgAuditRepo } from './repos/audit.js';
import { createPgCapacityCounterRepo } from './repos/capacity-counters.js';
import { createPgConnectionRepo } from './repos/connections.js';
import { createPgUsageRepo } from './repos/usage.js';
import { prunePg, type PgPruneSummary } from './retention.js';

const recordsIn = (b: RecordBatch) => b.usage.length + b.audit.length;

export interface RecordWriterOptions {
  /** A batch goes to the database this long after its first record (default 50 ms) … */
  flushEveryMs?: number;
  /** … or as soon as it holds this many usage and audit records (default 500). */
  flushAt?: number;
  /** Records waiting at most (default 100 000); beyond it new ones are refused, and reported. */
  maxQueued?: number;
  /** First wait before a failed batch is tried again; doubled up to 5 s (default 200 ms). */
  retryMs?: number;
  /** Tries of a batch the database refuses for what it holds, before it is reported and set aside (default 5). */
  attempts?: number;
  /** How long close() keeps trying while the database does not answer (default 30 s). */
  closeTimeoutMs?: number;
  /** Where the writer reports delays and losses, in one line each (the daemon's log). */
  report: (level: 'warn' | 'error', message: string) => void;
  /** After each committed batch (the daemon removes the journal files it supersedes). */
  onWritten?: (batch: RecordBatch) => void;
}

interface Queued {
  seq: number;
  batch: RecordBatch;
  tries: number;
}

/**
 * The daemon's record writer for PostgreSQL, with the SQLite Recorder's surface: requests push usage
 * and audit records and return at once; every few tens of milliseconds (or sooner when it grows) the
 * batch is queued, and batches are written in the order they came, each in one transaction with its
 * hourly roll-up. Nothing here makes a request wait on the database. A batch that fails is tried
 * again (without end while the database is unreachable, a few times when it refuses the rows); what
 * cannot be written, or does not fit in the bounded queue, is reported with how much was lost.
 */
export class PgRecordWriter {
  private batch = emptyBatch();
  private timer: NodeJS.Timeout | undefined;
  private readonly sources: Array<(batch: RecordBatch) => void> = [];
  private readonly queue: Queued[] = [];
  private readonly waiters: Array<{ seq: number; resolve: () => void }> = [];
  private queuedRecords = 0;
  private nextSeq = 0;
  private doneSeq = 0;
  private pumping: Promise<void> | undefined;
  private closing = false;
  private deadline = Infinity;
  private refused = 0;
  private readonly options: Required<Omit<RecordWriterOptions, 'onWritten'>> & RecordWriterOptions;

  /** Records written, and records lost (refused by a full queue, or in a batch that could not be written). */
  readonly stats = { written: 0, lost: 0 };

  constructor(
    private readonly pool: pg.Pool,
    options: RecordWriterOptions,
  ) {
    this.options = {
      flushEveryMs: 50,
      flushAt: 500,
      maxQueued: 100_000,
      retryMs: 200,
      attempts: 5,
      closeTimeoutMs: 30_000,
      ...options,
    };
  }

  /** State changed since the last batch that goes with it (capacity counters, discovered capacity). */
  alsoSend(source: (batch: RecordBatch) => void): void {
    this.sources.push(source);
  }

  usage(record: UsageRecord): void {
    if (!this.admit()) return;
    this.batch.usage.push(record);
    this.schedule();
  }

  audit(record: AuditRecord): void {
    if (!this.admit()) return;
    this.batch.audit.push(record);
    this.schedule();
  }

  /** Queues the batch now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    this.batch = emptyBatch();
    for (const source of this.sources) source(batch);
    if (isEmpty(batch)) return;
    this.queue.push({ seq: ++this.nextSeq, batch, tries: 0 });
    this.pumping ??= this.pump();
  }

  /** Resolves once everything recorded so far is in the database (or reported lost). */
  written(): Promise<void> {
    this.flush();
    const seq = this.nextSeq;
    if (this.doneSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Writes what is left, trying for at most closeTimeoutMs, then refuses new records. */
  async close(): Promise<void> {
    this.deadline = Date.now() + this.options.closeTimeoutMs;
    this.closing = true;
    await this.written();
  }

  /** Drops what is queued without writing it (a daemon that failed to start has recorded nothing). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.closing = true;
    this.deadline = 0;
  }

  /** A retention pass, on one daemon at a time (the others get a skipped summary at once). */
  prune(policy: RetentionPolicy): Promise<PgPruneSummary> {
    return prunePg(this.pool, policy, { stop: () => this.closing });
  }

  /** Room for one more record? Counts it in, or reports it lost. */
  private admit(): boolean {
    if (this.closing || this.queuedRecords >= this.options.maxQueued) {
      this.stats.lost++;
      // One line when refusing starts, then one per thousand, not one per request.
      if (this.refused++ % 1000 === 0)
        this.options.report(
          'error',
          this.closing
            ? `record writer closed: ${this.refused} record(s) after close not written`
            : `record queue full (${this.options.maxQueued} records waiting for PostgreSQL): ${this.refused} record(s) not written`,
        );
      return false;
    }
    this.queuedRecords++;
    return true;
  }

  private schedule(): void {
    if (recordsIn(this.batch) >= this.options.flushAt) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.options.flushEveryMs);
  }

  /**
   * Writes queued batches one at a time, in order, until none is left. It says it is done in the same
   * step as it finds the queue empty, so a batch queued just after starts the next pump.
   */
  private async pump(): Promise<void> {
    let wait = this.options.retryMs;
    try {
      while (this.queue.length > 0) {
        const item = this.queue[0]!;
        if (Date.now() >= this.deadline) {
          this.setAside(item, new Error('the writer closed before the database answered'));
          continue;
        }
        try {
          await writeBatch(this.pool, item.batch);
        } catch (error) {
          item.tries++;
          if (!isTransient(error) && item.tries >= this.options.attempts) {
            this.setAside(item, error as Error);
            continue;
          }
          if (item.tries === 1 || wait >= 5_000)
            this.options.report('warn', `recording ${this.queue.length} batch(es) waits: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(0, this.deadline - Date.now()))));
          wait = Math.min(wait * 2, 5_000);
          continue;
        }
        wait = this.options.retryMs;
        this.stats.written += recordsIn(item.batch);
        this.done(item);
        this.options.onWritten?.(item.batch);
      }
    } catch (error) {
      this.options.report('error', `record writer stopped: ${(error as Error).message}`);
    } finally {
      this.pumping = undefined;
    }
  }

  private setAside(item: Queued, error: Error): void {
    const n = recordsIn(item.batch);
    this.stats.lost += n;
    this.options.report(
      'error',
      `${item.batch.usage.length} usage and ${item.batch.audit.length} audit record(s) not written after ${item.tries} tries: ${error.message}`,
    );
    this.done(item);
  }

  private done(item: Queued): void {
    this.queue.shift();
    this.queuedRecords -= recordsIn(item.batch);
    this.doneSeq = item.seq;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.seq > this.doneSeq) continue;
      this.waiters[i]!.resolve();
      this.waiters.splice(i, 1);
    }
  }
}

/** One batch in one transaction (all or nothing): usage with its hourly totals, audit, counters, discovered capacity. */
async function writeBatch(pool: pg.Pool, batch: RecordBatch): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await createPgUsageRepo(client).insertMany(batch.usage);
    await createPgAuditRepo(client).insertMany(batch.audit);
    await createPgCapacityCounterRepo(client).saveMany(batch.counters);
    await writeDiscovered(client, batch.discovered);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Merges what providers announced into each connection's discovered capacity. The connections are
 * locked first, in id order, so two daemons updating the same one neither lose a model nor deadlock.
 */
async function writeDiscovered(client: pg.PoolClient, updates: RecordBatch['discovered']): Promise<void> {
  if (updates.length === 0) return;
  const ids = [...new Set(updates.map((u) => u.connectionId))].sort();
  await client.query('SELECT id FROM connections WHERE id = ANY($1) ORDER BY id FOR UPDATE', [ids]);
  const connections = createPgConnectionRepo(client);
  for (const id of ids) {
    const connection = await connections.get(id);
    if (!connection) continue;
    const discovered: DiscoveredCapacity = { ...connection.discoveredCapacity };
    for (const { model, capacity, at } of updates.filter((u) => u.connectionId === id))
      discovered[model] = { updatedAt: at, capacity: [capacity] };
    await connections.setDiscoveredCapacity(id, discovered);
  }
}

/**
 * True when trying again later may succeed: the server or the network is unavailable, overloaded or
 * shutting down, or the transaction lost a serialization or deadlock race. Anything else (a value
 * PostgreSQL refuses) would fail the same way every time.
 */
export function isTransient(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return /^(08|53|57P|57014|58|40001|40P01|55P03)/.test(code) || /^E[A-Z]+$/.test(code);
  return typeof message === 'string' && /connect|terminat|timeout|closed|ended/i.test(message);
}
