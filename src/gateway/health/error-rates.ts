/** How far back error rates reach (and how much history they are rebuilt from at start). */
export const ERROR_RATE_HISTORY_MINUTES = 180;
const KEEP_MINUTES = ERROR_RATE_HISTORY_MINUTES;

/** An attempt as the counters need it (a usage row has these). */
export interface AttemptOutcome {
  resourceId: string | null;
  connectionId: string | null;
  model: string | null;
  status: number;
  at: number;
}

/** How many attempts of one (resource, connection, model) ended with `status` in one minute (`at / 60 000`). */
export interface MinuteCount {
  resourceId: string | null;
  connectionId: string | null;
  model: string | null;
  minute: number;
  status: number;
  count: number;
}

interface Minute {
  total: number;
  failures: number;
  byStatus: Map<number, number>;
}

/**
 * Error-rate counters per (resource, connection, model) and minute, kept three hours, for routing
 * rules such as `errorRate(5) > 10`. Fed by every attempt; rebuilt from the usage rows at start.
 */
export class ErrorRates {
  private readonly series = new Map<string, Map<number, Minute>>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Counters rebuilt from the attempts recorded since `historySince()` (the daemon at start, `resource explain`). */
  static fromHistory(clock: () => number, attemptsSince: (since: number) => Iterable<AttemptOutcome>): ErrorRates {
    const rates = new ErrorRates(clock);
    for (const row of attemptsSince(clock() - ERROR_RATE_HISTORY_MINUTES * 60_000)) {
      rates.record(row.resourceId, row.connectionId, row.model, row.status, row.at);
    }
    return rates;
  }

  record(
    resourceId: string | null,
    connectionId: string | null,
    model: string | null,
    status: number,
    at = this.clock(),
  ): void {
    this.add(`${resourceId}|${connectionId}|${model}`, Math.floor(at / 60_000), status, 1);
  }

  /**
   * Replaces the minutes `fromMinute` … `toMinute` with `counts` (a shared store's totals over every
   * daemon's traffic); other minutes stay as they are.
   */
  replaceMinutes(fromMinute: number, toMinute: number, counts: Iterable<MinuteCount>): void {
    for (const minutes of this.series.values())
      for (let minute = fromMinute; minute <= toMinute; minute++) minutes.delete(minute);
    for (const c of counts)
      if (c.minute >= fromMinute && c.minute <= toMinute)
        this.add(`${c.resourceId}|${c.connectionId}|${c.model}`, c.minute, c.status, c.count);
  }

  private add(key: string, minute: number, status: number, count: number): void {
    let minutes = this.series.get(key);
    if (!minutes) this.series.set(key, (minutes = new Map()));
    let bucket = minutes.get(minute);
    if (!bucket) {
      minutes.set(minute, (bucket = { total: 0, failures: 0, byStatus: new Map() }));
      for (const old of minutes.keys()) if (old <= minute - KEEP_MINUTES) minutes.delete(old);
    }
    bucket.total += count;
    if (status >= 400) bucket.failures += count;
    bucket.byStatus.set(status, (bucket.byStatus.get(status) ?? 0) + count);
  }

  /**
   * Percentage (0–100) of attempts over the last `windowMinutes` (the current minute included) that
   * failed — or that ended with `status`, when given. 0 when there were none.
   */
  rate(
    resourceId: string | null,
    connectionId: string | null,
    model: string | null,
    windowMinutes: number,
    status?: number,
  ): number {
    const minutes = this.series.get(`${resourceId}|${connectionId}|${model}`);
    if (!minutes) return 0;
    const now = Math.floor(this.clock() / 60_000);
    let total = 0;
    let matched = 0;
    for (let minute = now - Math.min(windowMinutes, KEEP_MINUTES) + 1; minute <= now; minute++) {
      const bucket = minutes.get(minute);
      if (!bucket) continue;
      total += bucket.total;
      matched += status === undefined ? bucket.failures : (bucket.byStatus.get(status) ?? 0);
    }
    return total === 0 ? 0 : (matched / total) * 100;
  }
}
