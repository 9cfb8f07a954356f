import { setTimeout as sleep } from 'node:timers/promises';
import type { Batch, BatchItem } from '../../store/repos/batches.js';
import type { BatchService } from './batch-service.js';
import { finishedCount, isFinished, isItemFinished } from './batch-view.js';

/** What happened to a batch since the last look. */
export type BatchEvent =
  | { kind: 'item'; item: BatchItem }
  /** The batch's status moved (queued → running → cancelling). */
  | { kind: 'status'; batch: Batch }
  /** Nothing runs and what is left waits for room: `batch.nextAt` is when the next window opens. */
  | { kind: 'waiting'; batch: Batch }
  /** The last event: the batch is completed or cancelled. */
  | { kind: 'finished'; batch: Batch };

export interface WatchOptions {
  /** How often the store is asked (default 250 ms). */
  pollMs?: number;
  /** The runner's clock: a batch waits when its next item is due after now. */
  clock?: () => number;
  /** Stops the watch (the client went away, the daemon is closing); the batch runs on. */
  signal?: AbortSignal;
}

/** Items read per page while looking for newly finished ones. */
const PAGE = 200;

/** Polls that fail in a row before the watch gives up (about 10 s at the default pace). */
const MAX_FAILED_POLLS = 40;

/**
 * Follows a batch by polling the store, from any daemon (the runner that runs an item may be another
 * one): each item once as it finishes (cancelled items are counted, not told), status moves, a wait
 * for room, and the end. Items are looked for from the first one not yet finished (a watermark), and
 * only until the batch's counts are accounted for: runners take items in order, so a poll reads a few
 * pages however large the batch.
 */
export async function* watchBatch(
  service: BatchService,
  start: Batch,
  { pollMs = 250, clock = Date.now, signal }: WatchOptions = {},
): AsyncGenerator<BatchEvent> {
  const seen = new Watermark();
  const told = { status: start.status, waitingUntil: null as number | null };
  for (let failures = 0; ;) {
    let batch: Batch | undefined | null = null; // null: the store could not be read this time
    let finished: BatchItem[] = [];
    try {
      batch = await service.store.batches.get(start.environmentId, start.id);
      if (batch) finished = await newlyFinished(service, batch, seen);
      failures = 0;
    } catch (error) {
      // A busy SQLite file, a PostgreSQL hiccup: look again at the next poll, for a while.
      if (++failures >= MAX_FAILED_POLLS) throw error;
    }
    if (batch === undefined || signal?.aborted) return;
    for (const item of finished) yield { kind: 'item', item };
    if (batch) {
      const event = changeOf(batch, told, clock());
      if (event) yield event;
      if (event?.kind === 'finished') return;
    }
    try {
      await sleep(pollMs, undefined, { signal });
    } catch {
      return; // aborted
    }
  }
}

/** What there is to tell of the batch itself since `told`: its end, a status move, a wait for room. */
function changeOf(batch: Batch, told: { status: string; waitingUntil: number | null }, now: number) {
  if (isFinished(batch.status)) return { kind: 'finished', batch } as const;
  if (batch.status !== told.status) {
    told.status = batch.status;
    return { kind: 'status', batch } as const;
  }
  if (waitsForRoom(batch, now) && batch.nextAt !== told.waitingUntil) {
    told.waitingUntil = batch.nextAt;
    return { kind: 'waiting', batch } as const;
  }
  return undefined;
}

/** Nothing of the batch runs, and what is queued is not due before the next window. */
const waitsForRoom = (batch: Batch, now: number): boolean =>
  batch.counts.running === 0 && batch.counts.queued > 0 && batch.nextAt !== null && batch.nextAt > now;

/** The items finished and not yet told, in order of idx; told only once all pages are read. */
async function newlyFinished(service: BatchService, batch: Batch, seen: Watermark): Promise<BatchItem[]> {
  const found: BatchItem[] = [];
  const target = finishedCount(batch.counts);
  for (let offset = seen.from; seen.count + found.length < target; offset += PAGE) {
    const page = await service.store.batches.items(batch.id, { offset, limit: PAGE });
    found.push(...page.filter((item) => isItemFinished(item.status) && !seen.has(item.idx)));
    if (page.length < PAGE) break;
  }
  seen.add(found.map((item) => item.idx));
  return found.filter((item) => item.status !== 'cancelled');
}

/** The finished items told so far: all below `from`, and those above it by idx. */
class Watermark {
  from = 0;
  private readonly above = new Set<number>();

  get count(): number {
    return this.from + this.above.size;
  }

  has(idx: number): boolean {
    return idx < this.from || this.above.has(idx);
  }

  /** Adds items told, and moves `from` past those told in a row. */
  add(idxs: readonly number[]): void {
    for (const idx of idxs) this.above.add(idx);
    while (this.above.delete(this.from)) this.from++;
  }
}
