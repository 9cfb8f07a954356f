import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { AuditRecord } from '../../../store/repos/audit.js';
import type { UsageRecord } from '../../../store/repos/usage.js';
import type { PruneSummary, RetentionPolicy } from '../../../store/retention.js';
import { emptyBatch, isEmpty, type RecordBatch } from './batch.js';
import type { FromWriter, ToWriter } from './writer-messages.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const FLUSH_EVERY_MS = 50;
const FLUSH_AT = 500;

/**
 * Usage, audit and counter rows, recorded off the request path: requests push to a batch, and every
 * few tens of milliseconds (or sooner when it grows) the batch goes to the writer thread, which owns
 * its own connection to the database. Nothing here waits on SQLite. close() hands over what is left
 * and waits until the writer has written it all.
 */
export class Recorder {
  private batch = emptyBatch();
  private timer: NodeJS.Timeout | undefined;
  private readonly sources: Array<(batch: RecordBatch) => void> = [];
  private readonly waiters = new Map<number, (reply?: FromWriter) => void>();
  private nextId = 0;
  private gone = false;
  private readonly exited: Promise<void>;

  constructor(
    private readonly worker: Worker,
    private readonly logger: Logger,
  ) {
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        // A writer that stopped answers nobody: whoever waits on it is let go (an error was logged).
        this.gone = true;
        for (const resolveWaiter of this.waiters.values()) resolveWaiter();
        this.waiters.clear();
        resolve();
      }),
    );
    worker.on('message', (message: FromWriter) => {
      if (message.type === 'log') return logger[message.level](message.message);
      this.waiters.get(message.id)?.(message);
      this.waiters.delete(message.id);
    });
    // Not unref()'d: a shutdown waiting for the last batch to be written must keep the process alive.
    worker.on('error', (error) => logger.error({ err: error }, 'the record writer failed'));
  }

  /**
   * The writer thread for the database at `dbPath`. `thread` is the built writer-thread.js, or the
   * TypeScript source when vmx runs from source (tests), loaded through tsx.
   */
  static start(dbPath: string, thread: URL, logger: Logger): Recorder {
    const options = { workerData: { dbPath } };
    const worker = thread.pathname.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(thread.href)}); })`,
          { ...options, eval: true },
        )
      : new Worker(thread, options);
    return new Recorder(worker, logger);
  }

  /** State changed since the last batch that goes with it (capacity counters, discovered capacity). */
  alsoSend(source: (batch: RecordBatch) => void): void {
    this.sources.push(source);
  }

  usage(record: UsageRecord): void {
    this.batch.usage.push(record);
    this.schedule();
  }

  audit(record: AuditRecord): void {
    this.batch.audit.push(record);
    this.schedule();
  }

  /** Hands the batch to the writer now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    this.batch = emptyBatch();
    for (const source of this.sources) source(batch);
    if (!isEmpty(batch)) this.post({ type: 'batch', batch });
  }

  /** Resolves once everything recorded so far is in the database. */
  async written(): Promise<void> {
    this.flush();
    await this.ask({ type: 'flush' });
  }

  /** Writes what is left, then stops the writer. */
  async close(): Promise<void> {
    this.flush();
    await this.ask({ type: 'close' });
    await this.exited;
  }

  /** Runs a retention pass on the writer thread. */
  async prune(policy: RetentionPolicy): Promise<PruneSummary> {
    const reply = await this.ask({ type: 'prune', policy });
    if (reply?.type === 'pruned' && reply.summary) return reply.summary;
    const message = reply?.type === 'pruned' ? reply.error : 'the record writer stopped';
    throw Object.assign(new Error(message), {
      code: reply?.type === 'pruned' && reply.busy ? 'SQLITE_BUSY' : undefined,
    });
  }

  /** Stops the writer without waiting (a daemon that failed to start has recorded nothing). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    void this.worker.terminate();
  }

  /** Sends a request the writer answers, and waits for the answer (undefined if the writer is gone). */
  private ask(request: DistributiveOmit<Exclude<ToWriter, { type: 'batch' }>, 'id'>): Promise<FromWriter | undefined> {
    if (this.gone) return Promise.resolve(undefined);
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.waiters.set(id, resolve);
      this.post({ ...request, id } as ToWriter);
    });
  }

  private post(message: ToWriter): void {
    this.worker.postMessage(message);
  }

  private schedule(): void {
    if (this.batch.usage.length + this.batch.audit.length >= FLUSH_AT) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), FLUSH_EVERY_MS);
  }
}
