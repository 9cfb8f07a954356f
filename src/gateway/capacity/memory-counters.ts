import type { Charge, ChargeOutcome, CounterRow, CounterStore, CounterUse } from './counter-store.js';

/**
 * The embedded default: counters in the daemon's memory, checked and charged in one synchronous step
 * (no await in between), so no two requests can both take the last slot. Every change goes to
 * `journal` as it is made (before the request it admits goes on), and counters reach the store in the
 * recorder's batches through {@link takeDirty}; both are read back at start, so neither a restart nor a
 * kill resets them.
 */
export class MemoryCounters implements CounterStore {
  private readonly counters = new Map<string, CounterRow>();
  private readonly dirty = new Set<string>();

  constructor(
    saved: readonly CounterRow[] = [],
    private readonly journal?: (changed: readonly CounterRow[]) => void,
  ) {
    // What was recovered is written back with the first batch (a journal may be all that had it).
    for (const row of saved) {
      this.counters.set(row.key, { ...row });
      this.dirty.add(row.key);
    }
  }

  /** The charged counters are the live ones: an admission keeps them to reconcile. */
  checkAndCharge(charges: readonly Charge[], tokens: number): ChargeOutcome {
    const touched: CounterRow[] = [];
    for (let index = 0; index < charges.length; index++) {
      const charge = charges[index]!;
      const counter = this.counter(charge.key, charge.windowStart);
      if (charge.maxRequests !== undefined && counter.requests + 1 > charge.maxRequests)
        return { index, dimension: 'requests' };
      if (charge.maxTokens !== undefined && counter.tokens + tokens > charge.maxTokens)
        return { index, dimension: 'tokens' };
      touched.push(counter);
    }
    for (const counter of touched) {
      counter.requests += 1;
      counter.tokens += tokens;
      this.dirty.add(counter.key);
    }
    this.journal?.(touched);
    return touched;
  }

  adjust(counters: readonly CounterRow[], delta: number, requests = 0): void {
    const changed: CounterRow[] = [];
    for (const charged of counters) {
      // The window may have rolled over meanwhile; the new one was never charged for this request.
      const counter = this.counters.get(charged.key);
      if (counter === undefined || counter.windowStart !== charged.windowStart) continue;
      counter.tokens = Math.max(0, counter.tokens + delta);
      counter.requests = Math.max(0, counter.requests + requests);
      this.dirty.add(counter.key);
      changed.push(counter);
    }
    if (changed.length) this.journal?.(changed);
  }

  used(key: string, windowStart: number): CounterUse {
    const counter = this.counters.get(key);
    return counter && counter.windowStart === windowStart
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
