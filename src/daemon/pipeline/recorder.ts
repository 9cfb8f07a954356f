import type { Logger } from 'pino';
import type { Store } from '../../store/open.js';
import type { AuditRecord } from '../../store/repos/audit.js';
import type { UsageRecord } from '../../store/repos/usage.js';

const FLUSH_EVERY_MS = 50;
const FLUSH_AT = 500;

/**
 * Usage and audit rows, written off the request path: requests only push to a queue; a timer writes
 * the queue in one transaction every few tens of milliseconds (or sooner when it grows), and close()
 * writes whatever is left, so nothing is lost on shutdown.
 */
export class Recorder {
  private usageQueue: UsageRecord[] = [];
  private auditQueue: AuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly writers: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  /** Other state written in the same batches (capacity counters, discovered capacity). */
  alsoWrite(writer: () => void): void {
    this.writers.push(writer);
  }

  usage(record: UsageRecord): void {
    this.usageQueue.push(record);
    this.schedule();
  }

  audit(record: AuditRecord): void {
    this.auditQueue.push(record);
    this.schedule();
  }

  /** Writes everything queued, now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.usageQueue.length === 0 && this.auditQueue.length === 0 && this.writers.length === 0) return;
    const usage = this.usageQueue;
    const audit = this.auditQueue;
    this.usageQueue = [];
    this.auditQueue = [];
    try {
      this.store.transaction(() => {
        this.store.usage.insertMany(usage);
        for (const record of audit) this.store.audit.insert(record);
        for (const writer of this.writers) writer();
      });
    } catch (error) {
      // Put them back: the next flush (or close) tries again.
      this.usageQueue = usage.concat(this.usageQueue);
      this.auditQueue = audit.concat(this.auditQueue);
      this.logger.error({ err: error, pending: this.usageQueue.length + this.auditQueue.length }, 'writing usage/audit failed');
      this.schedule();
    }
  }

  async close(): Promise<void> {
    this.flush();
    this.stop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return this.flush();
    if (this.usageQueue.length + this.auditQueue.length >= FLUSH_AT) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), FLUSH_EVERY_MS);
  }
}
