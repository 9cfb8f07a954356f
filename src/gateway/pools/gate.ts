import { BusyError } from '../../errors.js';
import type { Capacity } from '../capacity/limits.js';
import { decide, reconcile, type PoolSpec, type PoolVerdict } from './scaling.js';
import type { PoolStateStore } from './state-store.js';

/** A request of a pooled resource on a connection with a per-minute token budget. */
export interface PoolRequest {
  connectionId: string;
  connectionName: string;
  /** The environment's pools. */
  pools: readonly PoolSpec[];
  /** The pool of the request's resource. */
  pool: string;
  /** The connection's per-minute token limit. */
  budget: number;
  estimate: number;
}

/** What a pool admitted, to reconcile with the tokens really used. */
export interface PoolAdmission {
  connectionId: string;
  pool: string;
  estimate: number;
  /** When it was charged (the gate's clock): a reconcile only corrects that minute. */
  at: number;
  settled?: boolean;
}

/** A pool refused: its share this minute is used up. */
export interface PoolRejection {
  pool: string;
  retryAfterSeconds: number;
  message: string;
}

export type PoolOutcome = PoolAdmission | PoolRejection;

export const isPoolRejection = (outcome: PoolOutcome): outcome is PoolRejection => 'retryAfterSeconds' in outcome;

/** `T` when the store answers at once, a promise of `T` when it answers through one. */
type Like<R, T> = R extends PromiseLike<unknown> ? Promise<T> : T;

/**
 * The prioritization gate (after capacity, reference §2.1): one scaling step and decision per request
 * on the connection's shared allocation ({@link decide}), run atomically by the state store.
 */
export class PoolGate<S extends PoolStateStore = PoolStateStore> {
  constructor(
    readonly store: S,
    private readonly clock: () => number = Date.now,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  admit(request: PoolRequest): Like<ReturnType<S['update']>, PoolOutcome> {
    const now = this.clock();
    const outcome = this.store.update(request.connectionId, (state) => {
      const step = decide(state, { ...request, now });
      return { state: step.state, result: step.verdict };
    });
    const verdict = (v: PoolVerdict): PoolOutcome =>
      v.admitted
        ? { connectionId: request.connectionId, pool: request.pool, estimate: request.estimate, at: now }
        : rejection(request, v);
    return (
      outcome instanceof Promise ? outcome.then(verdict, this.unavailable) : verdict(outcome as PoolVerdict)
    ) as Like<ReturnType<S['update']>, PoolOutcome>;
  }

  /** Replaces the estimate with the tokens really used (0: give it all back), once; never rejects. */
  reconcile(admission: PoolAdmission, actualTokens: number): void | Promise<void> {
    if (admission.settled) return;
    admission.settled = true;
    const delta = actualTokens - admission.estimate;
    if (delta === 0) return;
    try {
      const done = this.store.update(admission.connectionId, (state) => ({
        state: state && reconcile(state, admission.pool, admission.at, delta),
        result: undefined,
      }));
      if (done instanceof Promise) return done.catch(this.onError);
    } catch (error) {
      this.onError(error);
    }
  }

  /** A shared store that does not answer admits nothing: 503 with Retry-After, as the capacity gate. */
  private readonly unavailable = (error: unknown): never => {
    this.onError(error);
    throw new BusyError(`pool state unavailable: ${(error as Error)?.message ?? String(error)}`, 1);
  };
}

function rejection(request: PoolRequest, verdict: PoolVerdict & { admitted: false }): PoolRejection {
  const spec = request.pools.find((p) => p.name === request.pool)!;
  const allowed = Math.floor((request.budget * verdict.share) / 100);
  return {
    pool: request.pool,
    retryAfterSeconds: verdict.retryAfterSeconds,
    message:
      `prioritization denied: pool '${request.pool}' has used ${verdict.used} of its ${allowed} tokens this minute ` +
      `on connection '${request.connectionName}' (current share ${verdict.share}% of ${request.budget} tokens/minute; ` +
      `min ${spec.min}%, max ${spec.max}%); retry in ${verdict.retryAfterSeconds}s`,
  };
}

/** An environment's pools as the request path reads them. */
export interface EnvironmentPools {
  specs: readonly PoolSpec[];
  /** Resource id → the name of its pool. */
  poolOf: ReadonlyMap<string, string>;
}

/** The pools of an environment, ready for the gate; undefined when it has none. */
export function environmentPools(
  pools: readonly (PoolSpec & { resourceIds: readonly string[] })[],
): EnvironmentPools | undefined {
  if (pools.length === 0) return undefined;
  const poolOf = new Map<string, string>();
  for (const pool of pools) for (const id of pool.resourceIds) poolOf.set(id, pool.name);
  return { specs: pools.map(({ name, rank, min, max }) => ({ name, rank, min, max })), poolOf };
}

/** The budget pools share on a connection: its per-minute token limit (none: pools do not apply there). */
export function minuteTokenBudget(capacity: readonly Capacity[]): number | undefined {
  const limits = capacity.filter((c) => c.period === 'minute' && c.tokens !== undefined).map((c) => c.tokens!);
  return limits.length ? Math.min(...limits) : undefined;
}
