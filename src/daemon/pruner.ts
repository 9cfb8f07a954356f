import type { Logger } from 'pino';
import type { Repositories } from '../store/backend.js';
import { policyProblem, retentionPolicy, type PruneSummary, type RetentionPolicy } from '../store/retention.js';
import type { DaemonStatus } from './status.js';

export interface PrunerOptions {
  /** Before the first pass (default 30 s: not while the daemon starts). */
  firstAfterMs?: number;
  /** Between passes (default 10 minutes). */
  everyMs?: number;
  /** How often to look for changed settings, which start a pass at once (default 1 minute). */
  checkEveryMs?: number;
}

/**
 * Retention in the daemon: a pass now and then, run by `pass` on the record writer's thread, each
 * step a short transaction, so requests keep flowing while millions of old rows go. This side reads
 * the settings, decides when, and keeps what `vmx status` shows.
 */
export class Pruner {
  private timer: NodeJS.Timeout | undefined;
  private check: NodeJS.Timeout | undefined;
  /** The settings the last pass ran with. */
  private settingsSeen = '';
  private running: Promise<PruneSummary | undefined> | undefined;
  private stopped = false;
  /** The next pass comes sooner: the last one found the database busy. */
  private putOff = false;

  constructor(
    /** The store's settings and space (answering through promises: embedded or shared). */
    private readonly store: Pick<Repositories, 'settings' | 'space'>,
    private readonly runPass: (policy: RetentionPolicy) => Promise<PruneSummary>,
    private readonly logger: Logger,
    private readonly status: DaemonStatus,
    private readonly options: PrunerOptions = {},
  ) {}

  start(): void {
    void this.settings().then((seen) => (this.settingsSeen = seen), this.settingsUnread);
    this.schedule(this.options.firstAfterMs ?? 30_000);
    // `vmx config set retention.…` takes effect within the check interval, not at the next pass.
    this.check = setInterval(() => {
      void this.settings().then((now) => {
        if (now !== this.settingsSeen) void this.run();
      }, this.settingsUnread);
    }, this.options.checkEveryMs ?? 60_000);
    this.check.unref();
  }

  /** One pass now (or the one already running). */
  run(): Promise<PruneSummary | undefined> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.check) clearInterval(this.check);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () =>
        void this.run().finally(() =>
          this.schedule(this.putOff ? (this.options.checkEveryMs ?? 60_000) : (this.options.everyMs ?? 600_000)),
        ),
      ms,
    );
    this.timer.unref();
  }

  private async settings(): Promise<string> {
    return JSON.stringify((await this.store.settings.list()).map((s) => [s.key, s.value]));
  }

  private readonly settingsUnread = (error: unknown) => this.logger.debug({ err: error }, 'retention settings unread');

  private async pass(): Promise<PruneSummary | undefined> {
    try {
      this.settingsSeen = await this.settings();
      const set = new Map((await this.store.settings.list()).map((s) => [s.key, s.value]));
      const policy = retentionPolicy({ get: (key) => set.get(key) });
      const problem = policyProblem(policy);
      if (problem) {
        this.logger.warn(`retention skipped: ${problem}`);
        return undefined;
      }
      const summary = await this.runPass(policy);
      this.putOff = false;
      const sizeBytes = await this.store.space.sizeBytes();
      this.status.retention = { at: new Date().toISOString(), ...summary, sizeBytes };
      if (summary.steps > 0) this.logger.info({ retention: summary }, 'retention: old usage and audit pruned');
      return summary;
    } catch (error) {
      this.putOff = (error as { code?: string }).code === 'SQLITE_BUSY';
      if (this.putOff) this.logger.warn('retention pass put off: the database stayed busy with another process');
      else this.logger.error({ err: error }, 'retention pass failed');
      return undefined;
    }
  }
}
