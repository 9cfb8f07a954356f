import { ERROR_RATE_HISTORY_MINUTES, ErrorRates, type MinuteCount } from './error-rates.js';

/** Minutes read again on every refresh: the current one and the one before (other daemons' late batches). */
const RECENT_MINUTES = 2;
/** Minutes older than the history are deleted this often (stores that do not expire them on their own). */
const PRUNE_EVERY_MINUTES = 10;

/**
 * Where every daemon's attempt outcomes are added up: counts per (resource, connection, model),
 * minute and status. Redis or PostgreSQL; {@link MemoryErrorRateStore} for one process.
 */
export interface ErrorRateStore {
  /** Adds the counts to what the store holds. */
  add(counts: readonly MinuteCount[]): Promise<void>;
  /** Every count of the minutes `fromMinute` … `toMinute`, over all daemons. */
  read(fromMinute: number, toMinute: number): Promise<MinuteCount[]>;
  /** Forgets the minutes before `beforeMinute`. */
  prune(beforeMinute: number): Promise<void>;
}

/**
 * Error rates over everyone's traffic, read synchronously by routing as {@link ErrorRates} are. An
 * attempt's outcome counts here at once and is queued for the shared store; {@link sync} sends the
 * queue (one batch) and reloads the recent minutes from the store, so this daemon sees what the
 * others recorded. The first sync loads the whole history.
 *
 * The daemon drives it: `await sync()` once before serving (the history), then `sync()` every second
 * off the request path (a failure is logged and retried by the next tick, nothing is lost), and
 * `flush()` on shutdown.
 */
export class SharedErrorRates extends ErrorRates {
  private pending = new Map<string, MinuteCount>();
  private loaded = false;
  private prunedAt = -Infinity;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: ErrorRateStore,
    private readonly now: () => number = Date.now,
  ) {
    super(now);
  }

  override record(
    resourceId: string | null,
    connectionId: string | null,
    model: string | null,
    status: number,
    at = this.now(),
  ): void {
    super.record(resourceId, connectionId, model, status, at);
    const minute = Math.floor(at / 60_000);
    const key = `${minute}|${status}|${resourceId}|${connectionId}|${model}`;
    const queued = this.pending.get(key);
    if (queued) queued.count++;
    else this.pending.set(key, { resourceId, connectionId, model, minute, status, count: 1 });
  }

  /** Sends what was recorded and reloads the recent minutes; a sync already under way is joined, not doubled. */
  sync(): Promise<void> {
    return (this.running ??= this.syncOnce().finally(() => (this.running = undefined)));
  }

  /** Sends what was recorded (after any sync under way): the daemon's last word on shutdown. */
  async flush(): Promise<void> {
    await this.running?.catch(() => {});
    await this.send();
  }

  private async syncOnce(): Promise<void> {
    await this.send();
    const now = Math.floor(this.now() / 60_000);
    const from = now - (this.loaded ? RECENT_MINUTES : ERROR_RATE_HISTORY_MINUTES) + 1;
    const counts = await this.store.read(from, now);
    this.loaded = true;
    // What was recorded while the store answered is not in its counts yet: it stays counted here.
    this.replaceMinutes(from, now, [...counts, ...this.pending.values()]);
    if (now - this.prunedAt >= PRUNE_EVERY_MINUTES) {
      this.prunedAt = now;
      await this.store.prune(now - ERROR_RATE_HISTORY_MINUTES + 1);
    }
  }

  private async send(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.add([...batch.values()]);
    } catch (error) {
      // Kept for the next attempt, merged with what was recorded meanwhile.
      for (const [key, count] of batch) {
        const queued = this.pending.get(key);
        if (queued) queued.count += count.count;
        else this.pending.set(key, count);
      }
      throw error;
    }
  }
}

/** An {@link ErrorRateStore} in one process's memory: what the shared ones must behave like. */
export class MemoryErrorRateStore implements ErrorRateStore {
  private readonly counts = new Map<string, MinuteCount>();

  async add(counts: readonly MinuteCount[]): Promise<void> {
    for (const c of counts) {
      const key = `${c.minute}|${c.status}|${c.resourceId}|${c.connectionId}|${c.model}`;
      const held = this.counts.get(key);
      if (held) held.count += c.count;
      else this.counts.set(key, { ...c });
    }
  }

  async read(fromMinute: number, toMinute: number): Promise<MinuteCount[]> {
    return [...this.counts.values()]
      .filter((c) => c.minute >= fromMinute && c.minute <= toMinute)
      .map((c) => ({ ...c }));
  }

  async prune(beforeMinute: number): Promise<void> {
    for (const [key, c] of this.counts) if (c.minute < beforeMinute) this.counts.delete(key);
  }
}
