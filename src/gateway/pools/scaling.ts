import { windowOf } from '../capacity/windows.js';

/**
 * Prioritization pools (the original's "adaptive token scaling", reference §1.8): the pools of an
 * environment share each connection's per-minute token budget by priority. Every pool holds a share
 * (%) between its min and max; a pool that needs more grows, first into the free part of the budget,
 * then by taking from lower-priority pools down to their min; a pool that went quiet shrinks back.
 * A request is admitted when its pool's tokens this minute, plus the request's estimate, fit the
 * pool's current share.
 *
 * One step per request ({@link decide}): pure, on the state of one connection, so a store can run it
 * atomically (a lock, a transaction, WATCH/MULTI) and every daemon sees one allocation.
 */

/** A pool as defined for an environment: priority by rank (1 first), shares in % of the budget. */
export interface PoolSpec {
  name: string;
  rank: number;
  min: number;
  max: number;
}

/** The last change of a pool's share, for `vmx pool status`. */
export interface ScaleAction {
  action: 'up' | 'down' | 'yield';
  /** When (ms since epoch, the gate's clock). */
  at: number;
  from: number;
  to: number;
  why: string;
}

export interface PoolShare {
  /** The pool's share of the budget, in % (an integer between its min and max). */
  current: number;
  last?: ScaleAction;
}

/** One connection's allocation and the tokens its pools were admitted. */
export interface PoolState {
  shares: Record<string, PoolShare>;
  /** Tokens admitted per pool in the calendar minute starting at `start`. */
  minute: { start: number; tokens: Record<string, number> };
  /** Tokens admitted per pool in {@link BUCKET_MS} buckets, newest last, within {@link DEMAND_WINDOW_MS}. */
  recent: { start: number; tokens: Record<string, number> }[];
}

/** Demand is read over the last 30 s (as the original), in 10 s buckets. */
export const DEMAND_WINDOW_MS = 30_000;
export const BUCKET_MS = 10_000;
/** A pool shrinks only after this long without a change of its share (it grew for a reason). */
export const QUIET_MS = 10_000;
/** A pool whose recent rate is under this part of its share is quiet enough to shrink. */
const SHRINK_BELOW = 0.5;
/** A pool that grows takes its need and half again, so that it does not grow at every request. */
const GROWTH_HEADROOM = 1.5;

export interface PoolRequest {
  /** The pools of the environment (any order: sorted by rank here). */
  pools: readonly PoolSpec[];
  /** The pool of the request's resource. */
  pool: string;
  /** The request's estimated tokens. */
  estimate: number;
  /** The connection's per-minute token limit: the budget the shares divide. */
  budget: number;
  now: number;
}

export type PoolVerdict =
  | { admitted: true; share: number; used: number }
  | { admitted: false; share: number; used: number; retryAfterSeconds: number };

/** Runs one admission on `state` (undefined: nothing yet): returns the state to save and the verdict. */
export function decide(state: PoolState | undefined, request: PoolRequest): { state: PoolState; verdict: PoolVerdict } {
  const pools = [...request.pools].sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name));
  const next = normalize(state, pools, request.now);
  const rates = demandRates(next, request.budget);
  shrinkQuiet(next, pools, rates, request);
  const used = next.minute.tokens[request.pool] ?? 0;
  const needPct = ((used + request.estimate) / request.budget) * 100;
  if (needPct > next.shares[request.pool]!.current) grow(next, pools, request, needPct, rates);
  const share = next.shares[request.pool]!.current;
  const allowed = Math.floor((request.budget * share) / 100);
  if (used + request.estimate > allowed) {
    const end = windowOf('minute', request.now).end;
    return {
      state: next,
      verdict: { admitted: false, share, used, retryAfterSeconds: Math.max(1, Math.ceil((end - request.now) / 1000)) },
    };
  }
  charge(next, request.pool, request.estimate);
  return { state: next, verdict: { admitted: true, share, used: used + request.estimate } };
}

/**
 * Corrects an admitted estimate with the tokens really used (0 for a failed attempt) when the minute
 * it was charged in is still the current one; the demand buckets likewise.
 */
export function reconcile(state: PoolState, pool: string, chargedAt: number, delta: number): PoolState {
  const minuteStart = windowOf('minute', chargedAt).start;
  if (state.minute.start === minuteStart) {
    state.minute.tokens[pool] = Math.max(0, (state.minute.tokens[pool] ?? 0) + delta);
  }
  const bucket = state.recent.find((b) => b.start === chargedAt - (chargedAt % BUCKET_MS));
  if (bucket) bucket.tokens[pool] = Math.max(0, (bucket.tokens[pool] ?? 0) + delta);
  return state;
}

/** The state moved to `now`: a new minute starts from zero, old buckets go, shares follow the definition. */
function normalize(state: PoolState | undefined, pools: readonly PoolSpec[], now: number): PoolState {
  const minuteStart = windowOf('minute', now).start;
  const bucketStart = now - (now % BUCKET_MS);
  const previous = state?.shares ?? {};
  const shares: Record<string, PoolShare> = {};
  for (const pool of pools) {
    const kept = previous[pool.name];
    // A new pool starts at its min; an edited one is brought within its new bounds.
    shares[pool.name] = kept ? { ...kept, current: clamp(kept.current, pool) } : { current: pool.min };
  }
  fitWithinBudget(shares, pools);
  const recent = (state?.recent ?? [])
    .filter((b) => b.start > bucketStart - DEMAND_WINDOW_MS)
    .map((b) => ({ start: b.start, tokens: { ...b.tokens } }));
  if (recent.at(-1)?.start !== bucketStart) recent.push({ start: bucketStart, tokens: {} });
  const minute =
    state?.minute.start === minuteStart
      ? { start: minuteStart, tokens: { ...state.minute.tokens } }
      : { start: minuteStart, tokens: {} };
  return { shares, minute, recent };
}

/** Shares over 100 % in all (mins edited up) give way from the lowest priority, down to their mins. */
function fitWithinBudget(shares: Record<string, PoolShare>, pools: readonly PoolSpec[]): void {
  let over = total(shares) - 100;
  for (const pool of [...pools].reverse()) {
    if (over <= 0) return;
    const share = shares[pool.name]!;
    const give = Math.min(over, share.current - pool.min);
    share.current -= give;
    over -= give;
  }
}

/** Each pool's recent per-minute rate, in % of the budget. */
function demandRates(state: PoolState, budget: number): Map<string, number> {
  const rates = new Map<string, number>();
  for (const bucket of state.recent) {
    for (const [pool, tokens] of Object.entries(bucket.tokens)) rates.set(pool, (rates.get(pool) ?? 0) + tokens);
  }
  for (const [pool, tokens] of rates) rates.set(pool, ((tokens * (60_000 / DEMAND_WINDOW_MS)) / budget) * 100);
  return rates;
}

/** Pools (other than the requester) using less than half their share, unchanged for a while, shrink toward their use. */
function shrinkQuiet(state: PoolState, pools: readonly PoolSpec[], rates: Map<string, number>, request: PoolRequest) {
  for (const pool of pools) {
    if (pool.name === request.pool) continue;
    const share = state.shares[pool.name]!;
    const rate = rates.get(pool.name) ?? 0;
    const quietSince = share.last?.at ?? -Infinity;
    if (share.current <= pool.min || rate >= share.current * SHRINK_BELOW) continue;
    if (request.now - quietSince < QUIET_MS) continue;
    const to = clamp(Math.ceil(rate * GROWTH_HEADROOM), pool);
    if (to < share.current) {
      setShare(share, to, 'down', request.now, `used ${Math.round(rate)}% of the budget a minute lately`);
    }
  }
}

/** The requester grows toward what it needs (and headroom), from the free budget, then from lower pools. */
function grow(
  state: PoolState,
  pools: readonly PoolSpec[],
  request: PoolRequest,
  needPct: number,
  rates: Map<string, number>,
): void {
  const spec = pools.find((p) => p.name === request.pool)!;
  const share = state.shares[request.pool]!;
  const wanted = clamp(Math.ceil(Math.max(needPct, (rates.get(request.pool) ?? 0) * GROWTH_HEADROOM)), spec);
  let missing = wanted - share.current;
  if (missing <= 0) return;
  const free = Math.max(0, 100 - total(state.shares));
  let gained = Math.min(free, missing);
  missing -= gained;
  const lower = pools.filter((p) => p.rank > spec.rank || (p.rank === spec.rank && p.name > spec.name)).reverse();
  for (const pool of lower) {
    if (missing <= 0) break;
    const other = state.shares[pool.name]!;
    const give = Math.min(missing, other.current - pool.min);
    if (give <= 0) continue;
    setShare(other, other.current - give, 'yield', request.now, `gave ${give}% to pool '${request.pool}'`);
    gained += give;
    missing -= give;
  }
  if (gained > 0) {
    setShare(
      share,
      share.current + gained,
      'up',
      request.now,
      `needed ${Math.ceil(needPct)}% of the budget this minute`,
    );
  }
}

function charge(state: PoolState, pool: string, tokens: number): void {
  state.minute.tokens[pool] = (state.minute.tokens[pool] ?? 0) + tokens;
  const bucket = state.recent.at(-1)!;
  bucket.tokens[pool] = (bucket.tokens[pool] ?? 0) + tokens;
}

function setShare(share: PoolShare, to: number, action: ScaleAction['action'], at: number, why: string): void {
  share.last = { action, at, from: share.current, to, why };
  share.current = to;
}

const clamp = (value: number, pool: PoolSpec) => Math.min(pool.max, Math.max(pool.min, value));
const total = (shares: Record<string, PoolShare>) => Object.values(shares).reduce((sum, s) => sum + s.current, 0);
