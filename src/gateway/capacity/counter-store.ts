/** A counter as saved: one limit's use in its current window. */
export interface CounterRow {
  key: string;
  windowStart: number;
  requests: number;
  tokens: number;
}

/**
 * How long a shared store keeps a counter after its window ends: the daemons' clocks may disagree by
 * a little, and a late reconcile still finds it.
 */
export const WINDOW_MARGIN_MS = 60_000;

/** One counter an admission checks and charges: one request and the estimated tokens. */
export interface Charge {
  /** The limit's counter name, {@link counterKey}: `level:id:period`. */
  readonly key: string;
  readonly windowStart: number;
  /** When the window ends on the gate's clock: a shared store keeps the counter that long, plus {@link WINDOW_MARGIN_MS}. */
  readonly windowEnd: number;
  readonly maxRequests: number | undefined;
  readonly maxTokens: number | undefined;
}

/** The first charge (in the order given) that would go over its limit, and on what; requests are checked first. */
export interface Refusal {
  index: number;
  dimension: 'requests' | 'tokens';
}

/** Every counter as it stands once charged (in the order of the charges), or the first refusal. */
export type ChargeOutcome = CounterRow[] | Refusal;

export interface CounterUse {
  requests: number;
  tokens: number;
}

/**
 * Where capacity counters live: the daemon's memory (the embedded default, answering at once) or a
 * store shared by every daemon (Redis, PostgreSQL; answering through promises). The gate computes
 * windows, keys and limits; a store only checks and charges, atomically.
 */
export interface CounterStore {
  /**
   * Checks every charge and, when none would go over its limit, charges one request and `tokens` to
   * each — all or none, atomically with respect to every other admission on the same counters.
   * A counter whose window differs from the one kept starts over at zero. `now` is the gate's clock.
   */
  checkAndCharge(charges: readonly Charge[], tokens: number, now: number): ChargeOutcome | Promise<ChargeOutcome>;
  /**
   * Adds `delta` tokens and `requests` requests (each never going below zero) to counters still in
   * the windows they were charged in.
   */
  adjust(counters: readonly CounterRow[], delta: number, requests?: number): void | Promise<void>;
  /** What a counter holds in the given window (zero when another window or nothing is kept). */
  used(key: string, windowStart: number): CounterUse | Promise<CounterUse>;
}

export const isRefusal = (outcome: ChargeOutcome): outcome is Refusal => !Array.isArray(outcome);
