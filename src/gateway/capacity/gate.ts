import { BusyError } from '../../errors.js';
import type { Charge, ChargeOutcome, CounterRow, CounterStore, CounterUse } from './counter-store.js';
import { isRefusal } from './counter-store.js';
import type { Capacity, Period } from './limits.js';
import { windowOf } from './windows.js';

export type { CounterRow } from './counter-store.js';

/** Where a limit is set; `batch` is a batch's own limit (its items share it). */
export type CapacityLevel = 'key' | 'resource' | 'connection' | 'batch';

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

/** The one name of a limit's counter: level, the limited entity's id, period (`key:<id>:minute`). */
export const counterKey = (level: CapacityLevel, id: string, period: Period): string => `${level}:${id}:${period}`;

/** What an admission charged, so real usage can be reconciled against the estimate. */
export interface Admission {
  counters: CounterRow[];
  estimate: number;
  /** Reconciled already: an attempt's tokens are settled once (a later failure path changes nothing). */
  settled?: boolean;
}

export type Verdict = Admission | CapacityRejection;

/** `T` when the store's method answers at once, a promise of `T` when it answers through one. */
type Like<R, T> = R extends PromiseLike<unknown> ? Promise<T> : T;

/** A charge as the gate plans it: what the store needs, and the limit it stands for (to name a refusal). */
interface Planned extends Charge {
  readonly set: LimitSet;
  readonly period: Period;
}

/**
 * Capacity admission, exact under concurrency: every limit of every level is checked and charged in
 * one atomic step of the counter store, so no two requests — in this daemon or, on a shared store, in
 * any daemon — can both take the last slot. Input tokens are charged from the estimate up front and
 * corrected with the provider's real usage afterwards.
 *
 * The gate computes the windows (on its clock), counter keys, limits, Retry-After and messages; the
 * store only counts. It answers the way its store does: at once with the embedded {@link MemoryCounters}
 * (the daemon's hot path stays synchronous), through a promise with Redis or PostgreSQL.
 */
export class CapacityGate<S extends CounterStore = CounterStore> {
  constructor(
    readonly store: S,
    private readonly clock: () => number = Date.now,
    /** Where a shared store's failures are reported (a reconcile runs off the request path). */
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Checks every limit; when all pass, charges one request and `estimate` tokens to each. */
  admit(sets: readonly LimitSet[], estimate: number): Like<ReturnType<S['checkAndCharge']>, Verdict> {
    const now = this.clock();
    const plan: Planned[] = [];
    for (const set of sets) {
      for (const limit of set.limits) {
        const window = windowOf(limit.period, now);
        plan.push({
          key: counterKey(set.level, set.id, limit.period),
          windowStart: window.start,
          windowEnd: window.end,
          maxRequests: limit.requests,
          maxTokens: limit.tokens,
          set,
          period: limit.period,
        });
      }
    }
    const outcome = this.store.checkAndCharge(plan, estimate, now);
    const verdict = (result: ChargeOutcome): Verdict =>
      isRefusal(result) ? rejection(plan[result.index]!, result.dimension, now) : { counters: result, estimate };
    return (
      outcome instanceof Promise ? outcome.then(verdict, this.unavailable) : verdict(outcome as ChargeOutcome)
    ) as Like<ReturnType<S['checkAndCharge']>, Verdict>;
  }

  /**
   * A shared store that does not answer admits nothing (limits stay exact): the request is answered
   * 503 with Retry-After, and the cause goes to `onError`.
   */
  private readonly unavailable = (error: unknown): never => {
    this.onError(error);
    throw new BusyError(`capacity counters unavailable: ${(error as Error)?.message ?? String(error)}`, 1);
  };

  /**
   * Replaces the estimate with the tokens really used (0 for a failed attempt), in the windows charged.
   * On a shared store the correction is sent and not waited for; the promise returned (for tests) never
   * rejects: a failure goes to `onError`.
   */
  reconcile(admission: Admission, actualTokens: number): void | Promise<void> {
    if (admission.settled) return;
    admission.settled = true;
    const delta = actualTokens - admission.estimate;
    if (delta === 0 || admission.counters.length === 0) return;
    const done = this.store.adjust(admission.counters, delta);
    if (done instanceof Promise) return done.catch(this.onError);
  }

  /**
   * Takes back all an admission charged — its request and its estimate — when a later gate (a pool)
   * refused the request it was made for: nothing was sent, so nothing counts.
   */
  release(admission: Admission): void | Promise<void> {
    if (admission.settled) return;
    admission.settled = true;
    if (admission.counters.length === 0) return;
    const done = this.store.adjust(admission.counters, -admission.estimate, -1);
    if (done instanceof Promise) return done.catch(this.onError);
  }

  /** Current usage of one limit in its current window (tests read it; a status view may). */
  used(level: CapacityLevel, id: string, period: Period): Like<ReturnType<S['used']>, CounterUse> {
    const window = windowOf(period, this.clock());
    return this.store.used(counterKey(level, id, period), window.start) as Like<ReturnType<S['used']>, CounterUse>;
  }
}

function rejection(charge: Planned, dimension: 'requests' | 'tokens', now: number): CapacityRejection {
  const { level, name } = charge.set;
  const limit = (dimension === 'requests' ? charge.maxRequests : charge.maxTokens)!;
  const retryAfterSeconds = Math.max(1, Math.ceil((charge.windowEnd - now) / 1000));
  return {
    level,
    name,
    period: charge.period,
    dimension,
    limit,
    retryAfterSeconds,
    message: `capacity exceeded at ${level} level: ${level} '${name}' allows ${limit} ${dimension} per ${charge.period}; retry in ${retryAfterSeconds}s`,
  };
}

export function isRejection(result: Verdict): result is CapacityRejection {
  return 'retryAfterSeconds' in result;
}
