import {
  type Charge,
  type ChargeOutcome,
  type CounterRow,
  type CounterStore,
  type CounterUse,
  type Refusal,
  WINDOW_MARGIN_MS,
} from '../../gateway/capacity/counter-store.js';
import type { MinuteCount } from '../../gateway/health/error-rates.js';
import type { ErrorRateStore } from '../../gateway/health/shared-error-rates.js';
import { atomically, type Queryable } from './queryable.js';

/** Expired counter rows are deleted at most this often (by the gate's clock), a batch at a time. */
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 1_000;

/**
 * Charges every counter (created at zero when new) and answers what each holds now. Rows are taken
 * in key order, so two admissions sharing counters lock them in the same order and never deadlock;
 * the locks are held until the caller commits (all under the limits) or rolls back (one over).
 */
const CHARGE_SQL = `
  INSERT INTO capacity_windows AS c (counter_key, window_start, requests, tokens, expires_at)
  SELECT k, w, 1, $3::bigint, e FROM unnest($1::text[], $2::bigint[], $4::bigint[]) AS u(k, w, e)
  ORDER BY k, w
  ON CONFLICT (counter_key, window_start)
  DO UPDATE SET requests = c.requests + 1, tokens = c.tokens + excluded.tokens
  RETURNING counter_key, window_start, requests, tokens`;

/** Adds tokens (never below zero) to the rows that still exist, locked in key order. */
const ADJUST_SQL = `
  WITH locked AS (
    SELECT counter_key, window_start FROM capacity_windows
    WHERE (counter_key, window_start) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))
    ORDER BY counter_key, window_start FOR UPDATE)
  UPDATE capacity_windows AS c
  SET tokens = GREATEST(0, c.tokens + $3::bigint), requests = GREATEST(0, c.requests + $4::bigint) FROM locked
  WHERE c.counter_key = locked.counter_key AND c.window_start = locked.window_start`;

/** Rows whose window ended long enough ago; rows another transaction holds are left for next time. */
const PRUNE_SQL = `
  DELETE FROM capacity_windows WHERE (counter_key, window_start) IN (
    SELECT counter_key, window_start FROM capacity_windows WHERE expires_at < $1
    LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`;

/** Thrown inside the transaction to roll the charges back. */
class Refused {
  constructor(readonly refusal: Refusal) {}
}

/**
 * Capacity counters in PostgreSQL, for a shared store without Redis: exact (one transaction charges
 * every counter of an admission, all or none) and slower than Redis (a transaction per admission,
 * with the busiest counter's row locked for a round trip). Table `capacity_windows`, one row per
 * counter and window, kept until `expires_at` (window end plus {@link WINDOW_MARGIN_MS}, gate clock).
 */
export class PgCounters implements CounterStore {
  private prunedAt = 0;

  constructor(
    private readonly db: Queryable,
    /** Where a failed background prune is reported. */
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  async checkAndCharge(charges: readonly Charge[], tokens: number, now: number): Promise<ChargeOutcome> {
    if (charges.length === 0) return [];
    this.pruneNowAndThen(now);
    const values = [
      charges.map((c) => c.key),
      charges.map((c) => c.windowStart),
      tokens,
      charges.map((c) => c.windowEnd + WINDOW_MARGIN_MS),
    ];
    try {
      return await atomically(this.db, async (client) => {
        const { rows } = await client.query<{
          counter_key: string;
          window_start: string;
          requests: string;
          tokens: string;
        }>(CHARGE_SQL, values);
        const held = new Map(rows.map((row) => [`${row.window_start}:${row.counter_key}`, row]));
        const counters = charges.map((charge): CounterRow => {
          const row = held.get(`${charge.windowStart}:${charge.key}`)!;
          return { key: charge.key, windowStart: charge.windowStart, requests: +row.requests, tokens: +row.tokens };
        });
        const refusal = firstRefusal(charges, counters);
        if (refusal) throw new Refused(refusal);
        return counters;
      });
    } catch (error) {
      if (error instanceof Refused) return error.refusal;
      throw error;
    }
  }

  async adjust(counters: readonly CounterRow[], delta: number, requests = 0): Promise<void> {
    if (counters.length === 0 || (delta === 0 && requests === 0)) return;
    const keys = counters.map((c) => c.key);
    await this.db.query(ADJUST_SQL, [keys, counters.map((c) => c.windowStart), delta, requests]);
  }

  async used(key: string, windowStart: number): Promise<CounterUse> {
    const { rows } = await this.db.query<{ requests: string; tokens: string }>(
      'SELECT requests, tokens FROM capacity_windows WHERE counter_key = $1 AND window_start = $2',
      [key, windowStart],
    );
    return { requests: Number(rows[0]?.requests ?? 0), tokens: Number(rows[0]?.tokens ?? 0) };
  }

  /** Deletes one batch of expired rows now and then, off the admission that triggered it. */
  private pruneNowAndThen(now: number): void {
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    this.db.query(PRUNE_SQL, [now]).catch(this.onError);
  }
}

/** The counters as charged went over a limit: the first such charge in the order given, requests first. */
function firstRefusal(charges: readonly Charge[], charged: readonly CounterRow[]): Refusal | undefined {
  for (let index = 0; index < charges.length; index++) {
    const { maxRequests, maxTokens } = charges[index]!;
    if (maxRequests !== undefined && charged[index]!.requests > maxRequests) return { index, dimension: 'requests' };
    if (maxTokens !== undefined && charged[index]!.tokens > maxTokens) return { index, dimension: 'tokens' };
  }
  return undefined;
}

/** Adds counts, rows taken in key order (two daemons' batches never deadlock). */
const ADD_ERRORS_SQL = `
  INSERT INTO error_rate_minutes AS e (minute, resource_id, connection_id, model, status, attempts)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::bigint[])
  ORDER BY 1, 3, 2, 4, 5
  ON CONFLICT (minute, connection_id, resource_id, model, status)
  DO UPDATE SET attempts = e.attempts + excluded.attempts`;

/** Attempt outcomes of every daemon in PostgreSQL (table `error_rate_minutes`), for a shared store without Redis. */
export class PgErrorRateStore implements ErrorRateStore {
  constructor(private readonly db: Queryable) {}

  async add(counts: readonly MinuteCount[]): Promise<void> {
    if (counts.length === 0) return;
    await this.db.query(ADD_ERRORS_SQL, [
      counts.map((c) => c.minute),
      counts.map((c) => c.resourceId ?? ''),
      counts.map((c) => c.connectionId ?? ''),
      counts.map((c) => c.model ?? ''),
      counts.map((c) => c.status),
      counts.map((c) => c.count),
    ]);
  }

  async read(fromMinute: number, toMinute: number): Promise<MinuteCount[]> {
    const { rows } = await this.db.query<Record<string, string>>(
      `SELECT minute, resource_id, connection_id, model, status, attempts FROM error_rate_minutes
       WHERE minute BETWEEN $1 AND $2`,
      [fromMinute, toMinute],
    );
    return rows.map((r) => ({
      resourceId: r.resource_id || null,
      connectionId: r.connection_id || null,
      model: r.model || null,
      minute: Number(r.minute),
      status: Number(r.status),
      count: Number(r.attempts),
    }));
  }

  async prune(beforeMinute: number): Promise<void> {
    await this.db.query('DELETE FROM error_rate_minutes WHERE minute < $1', [beforeMinute]);
  }
}
