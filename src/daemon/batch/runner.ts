import type { Logger } from 'pino';
import type { Gateway } from '../gateway.js';
import type { Repositories } from '../../store/backend.js';
import { isBusy } from '../../store/sqlite-errors.js';
import type { ClaimedItem } from '../../store/repos/batches.js';
import { runItem, type ItemOutcome } from './run-item.js';

/** The part of the batch store the runner uses (the `batches` repository of either backend). */
export type BatchQueue = Pick<Repositories['batches'], 'nextWake' | 'claim' | 'finish' | 'park' | 'expireLeases'>;

export interface BatchRunnerOptions {
  queue: BatchQueue;
  gateway: Gateway;
  logger: Logger;
  /** This daemon's name in claims (another daemon never runs an item this one holds). */
  owner: string;
  clock?: () => number;
  /** Items run at once by this daemon. */
  concurrency?: number;
  /** How long a claim holds: past it, another daemon takes the item over (this one died). */
  leaseMs?: number;
  /** How often the store is asked for work when there is none. */
  pollMs?: number;
  /**
   * This daemon is the store's only runner (the embedded store: one daemon per data dir): what an
   * earlier process held when it died is taken over at start, not when its leases run out.
   */
  soleRunner?: boolean;
}

/** A failure to save an outcome is retried (a busy SQLite file, a PostgreSQL hiccup) for about two minutes. */
const SAVE_ATTEMPTS = 120;
const SAVE_RETRY_MS = 1_000;

/**
 * Works off batches (DESIGN.md "Scale-out": any daemon may): claims items whose time has come, runs
 * each through the pipeline ({@link runItem}) and saves what became of it — an answer, or a later
 * time to try again. Claims are leases, so an item held by a daemon that died is taken over when its
 * lease runs out, and the store never hands one item to two daemons at once.
 */
export class BatchRunner {
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private readonly clock: () => number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(private readonly options: BatchRunnerOptions) {
    this.clock = options.clock ?? Date.now;
    this.concurrency = options.concurrency ?? 8;
    this.leaseMs = options.leaseMs ?? 10 * 60_000;
    this.pollMs = options.pollMs ?? 500;
  }

  start(): void {
    if (!this.options.soleRunner) return this.schedule(0);
    void this.options.queue
      .expireLeases()
      .then(
        (taken) =>
          taken > 0 &&
          this.options.logger.info({ taken }, 'batch items left running by the last daemon are taken over'),
      )
      .catch((error) =>
        this.options.logger.warn({ err: error }, 'batch items left running wait for their leases to end'),
      )
      .finally(() => this.schedule(0));
  }

  /** Looks for work now (a batch was just created, an item finished). */
  wake(): void {
    this.schedule(0);
  }

  /** Stops claiming and waits for the items in flight to be saved. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.running]);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const free = this.concurrency - this.running.size;
    if (free > 0) {
      try {
        const now = this.clock();
        // A read first: a claim takes the write lock, and most polls find nothing due.
        if ((await this.options.queue.nextWake(now)) !== now) return this.schedule(this.pollMs);
        const items = await this.options.queue.claim({
          owner: this.options.owner,
          now,
          limit: free,
          leaseMs: this.leaseMs,
        });
        for (const item of items) this.track(this.run(item));
      } catch (error) {
        // The writer thread holds the SQLite file a moment: try at the next poll, quietly.
        if (!isBusy(error))
          this.options.logger.warn({ err: error }, 'could not claim batch items; trying again shortly');
      }
    }
    this.schedule(this.pollMs);
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => {
      this.running.delete(work);
      this.wake();
    });
  }

  private async run(item: ClaimedItem): Promise<void> {
    const { queue, owner, gateway, logger } = this.options;
    let outcome: ItemOutcome;
    try {
      outcome = await runItem(gateway, { ...item, request: item.request ?? {} }, this.clock());
    } catch (error) {
      // A bug in the gateway, not the item's fault: try it again a little later.
      logger.error({ err: error, batch: item.batchId, item: item.idx }, 'a batch item could not be run');
      outcome = { kind: 'parked', notBefore: this.clock() + 5_000, reason: 'internal error' };
    }
    await this.save(item, () =>
      outcome.kind === 'parked'
        ? queue.park(item.batchId, item.idx, owner, outcome.notBefore)
        : queue.finish(item.batchId, item.idx, owner, outcome.outcome),
    );
  }

  /** Saves an outcome, retrying while the store is busy; a lost lease is logged (the item runs again). */
  private async save(item: ClaimedItem, write: () => Promise<boolean>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (!(await write())) {
          this.options.logger.warn(
            { batch: item.batchId, item: item.idx },
            'batch item lease lost; another daemon took it',
          );
        }
        return;
      } catch (error) {
        if (attempt >= SAVE_ATTEMPTS) {
          this.options.logger.error(
            { err: error, batch: item.batchId, item: item.idx },
            'a batch item outcome could not be saved',
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(SAVE_RETRY_MS, 20 * attempt)));
      }
    }
  }
}
