import type { Capacity, Period } from './limits.js';
import { windowOf } from './windows.js';

export type CapacityLevel = 'key' | 'resource' | 'connection';

/** The limits of one level for one request: e.g. the connection `up` with `5r/m`. */
export interface LimitSet {
  level: CapacityLevel;
  id: string;
  name: string;
  limits: readonly Capacity[];
}

/** Which limit refused, and when its window ends. */
export interface CapacityRejection {
  level: CapacityLevel;
  name: string;
  period: Period;
  dimension: 'requests' | 'tokens';
  limit: number;
  retryAfterSeconds: number;
  message: string;
}

/** A counter as saved: one limit's use in its current window. */
export interface CounterRow {
  key: string;
  windowStart: number;
  requests: number;
  tokens: number;
}

/** The one name of a limit's counter: level, the limited entity's id, period (`key:<id>:minute`). */
export const counterKey = (level: CapacityLevel, id: string, period: Period): string => `${level}:${id}:${period}`;

/** What an admission charged, so real usage can be reconciled against the estimate. */
export interface Admission {
  counters: CounterRow[];
  estimate: number;
  /** Reconciled already: an attempt's tokens are settled once (a later failure path changes nothing). */
  settled?: boolean;
}

/**
 * Capacity admission, exact under concurrency: checking every limit of every level and charging them
 * all is one synchronous step (no await in between), so no two requests can both take the last slot.
 * Input tokens are charged from the estimate up front and corrected with the provider's real usage
 * afterwards. Every change goes to `journal` as it is made (before the request it admits goes on),
 * and counters reach the store in the recorder's batches; both are read back at start, so neither a
 * restart nor a kill resets them.
 */
export class CapacityGate {
  private readonly counters = new Map<string, CounterRow>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly clock: () => number = Date.now,
    saved: CounterRow[] = [],
    private readonly journal?: (changed: readonly CounterRow[]) => void,
  ) {
    // What was recovered is written back with the first batch (a journal may be all that had it).
    for (const row of saved) {
      this.counters.set(row.key, { ...row });
      this.dirty.add(row.key);
    }
  }

  /** Checks every limit; when all pass, charges one request and `estimate` tokens to each. */
  admit(sets: readonly LimitSet[], estimate: number): Admission | CapacityRejection {
    const now = this.clock();
    const touched: CounterRow[] = [];
    for (const set of sets) {
      for (const limit of set.limits) {
        const window = windowOf(limit.period, now);
        const counter = this.counter(counterKey(set.level, set.id, limit.period), window.start);
        const refuse = (dimension: 'requests' | 'tokens', max: number): CapacityRejection => {
          const retryAfterSeconds = Math.max(1, Math.ceil((window.end - now) / 1000));
          return {
            level: set.level,
            name: set.name,
            period: limit.period,
            dimension,
            limit: max,
            retryAfterSeconds,
            message: `capacity exceeded at ${set.level} level: ${set.level} '${set.name}' allows ${max} ${dimension} per ${limit.period}; retry in ${retryAfterSeconds}s`,
          };
        };
        if (limit.requests !== undefined && counter.requests + 1 > limit.requests)
          return refuse('requests', limit.requests);
        if (limit.tokens !== undefined && counter.tokens + estimate > limit.tokens)
          return refuse('tokens', limit.tokens);
        touched.push(counter);
      }
    }
    for (const counter of touched) {
      counter.requests += 1;
      counter.tokens += estimate;
      this.dirty.add(counter.key);
    }
    this.journal?.(touched);
    return { counters: touched, estimate };
  }

  /** Replaces the estimate with the tokens really used (0 for a failed attempt), in the windows charged. */
  reconcile(admission: Admission, actualTokens: number): void {
    if (admission.settled) return;
    admission.settled = true;
    const delta = actualTokens - admission.estimate;
    if (delta === 0) return;
    const changed: CounterRow[] = [];
    for (const counter of admission.counters) {
      // The window may have rolled over meanwhile; the new one was never charged for this request.
      if (this.counters.get(counter.key) !== counter) continue;
      counter.tokens = Math.max(0, counter.tokens + delta);
      this.dirty.add(counter.key);
      changed.push(counter);
    }
    if (changed.length) this.journal?.(changed);
  }

  /** Current usage of one limit in its current window (tests read it; a status view may). */
  used(level: CapacityLevel, id: string, period: Period): { requests: number; tokens: number } {
    const counter = this.counters.get(counterKey(level, id, period));
    return counter && counter.windowStart === windowOf(period, this.clock()).start
      ? { requests: counter.requests, tokens: counter.tokens }
      : { requests: 0, tokens: 0 };
  }

  /** Counters changed since the last call, for the recorder to persist. */
  takeDirty(): CounterRow[] {
    const rows = [...this.dirty].map((key) => ({ ...this.counters.get(key)! }));
    this.dirty.clear();
    return rows;
  }

  private counter(key: string, windowStart: number): CounterRow {
    let counter = this.counters.get(key);
    if (!counter || counter.windowStart !== windowStart) {
      counter = { key, windowStart, requests: 0, tokens: 0 };
      this.counters.set(key, counter);
    }
    return counter;
  }
}

export function isRejection(result: Admission | CapacityRejection): result is CapacityRejection {
  return 'retryAfterSeconds' in result;
}
