import type pg from 'pg';
import type { Async } from '../backend.js';
import type { SettingsRepo } from '../repos/settings.js';
import {
  emptyPruneSummary,
  retentionPolicy,
  retentionSettings,
  type PruneStep,
  type PruneSummary,
  type RetentionKey,
  type RetentionPolicy,
} from '../retention.js';
import { createPgAuditRepo } from './repos/audit.js';
import { createPgSpaceRepo, HISTORY_TABLES } from './repos/space.js';
import { createPgUsageRepo } from './repos/usage.js';

/**
 * The session advisory lock background work runs under: of many daemons sharing one database, the one
 * that holds it prunes; the others skip the pass (migrations use 0x766d7801).
 */
export const RETENTION_LOCK = 0x766d7802;

/** Rows per step: each step is one short transaction, as on SQLite. */
const STEP_ROWS = 1_000;
/** PostgreSQL's page size, to report the room a vacuum gave back as pages (as SQLite's vacuum steps do). */
const PAGE_BYTES = 8_192;

/** A pass's summary; `skipped` when another daemon was already running one (it holds the lock). */
export interface PgPruneSummary extends PruneSummary {
  skipped?: 'another daemon holds the retention lock';
}

/** The policy in force, read from the shared store's settings. */
export async function readRetentionPolicy(settings: Pick<Async<SettingsRepo>, 'get'>): Promise<RetentionPolicy> {
  const keys = Object.keys(retentionSettings) as RetentionKey[];
  const values = new Map(await Promise.all(keys.map(async (key) => [key, await settings.get(key)] as const)));
  return retentionPolicy({ get: (key) => values.get(key as RetentionKey) });
}

/**
 * The work of one retention pass on `client`, in the SQLite pass's order, one short transaction per
 * step: audit bodies, audit rows, raw usage, hourly totals. Then, when rows went, one VACUUM (ANALYZE)
 * of the history tables, so the room is reused at once and the planner knows the tables' new sizes.
 */
export async function* pgPruneSteps(
  client: pg.PoolClient,
  policy: RetentionPolicy,
  now: number,
): AsyncGenerator<PruneStep> {
  const audit = createPgAuditRepo(client);
  const usage = createPgUsageRepo(client);
  const space = createPgSpaceRepo(client);
  const inTransaction = async (fn: () => Promise<number>) => {
    await client.query('BEGIN');
    try {
      const n = await fn();
      await client.query('COMMIT');
      return n;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  };
  const passes: Array<[PruneStep['kind'], () => Promise<number>]> = [
    ['audit-bodies', () => audit.pruneBodies(now - policy.auditBodiesMs, STEP_ROWS)],
    ['audit', () => audit.prune(now - policy.auditMs, STEP_ROWS)],
    ['usage-raw', () => usage.pruneRaw(now - policy.usageRawMs, STEP_ROWS)],
    ['usage-hourly', () => usage.pruneOldestHour(now - policy.usageHourlyMs)],
  ];
  let changed = 0;
  for (const [kind, step] of passes) {
    for (let n; (n = await inTransaction(step)) > 0;) {
      changed += n;
      yield { kind, changed: n };
    }
  }
  if (changed === 0) return;
  const before = await space.tablesBytes(HISTORY_TABLES);
  await space.vacuumStep(0);
  const after = await space.tablesBytes(HISTORY_TABLES);
  yield { kind: 'vacuum', changed: Math.max(0, Math.round((before - after) / PAGE_BYTES)) };
}

/**
 * Runs a whole pass under the retention lock, on a connection of its own (a session lock belongs to
 * one connection). When another daemon holds the lock the pass is skipped at once. `between` runs
 * after every step; `stop` ends the pass early (shutdown). A connection that fails mid-pass is
 * dropped, which releases the lock on the server.
 */
export async function prunePg(
  pool: pg.Pool,
  policy: RetentionPolicy,
  options: { now?: number; between?: () => Promise<void>; stop?: () => boolean } = {},
): Promise<PgPruneSummary> {
  const summary: PgPruneSummary = emptyPruneSummary();
  const started = performance.now();
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      RETENTION_LOCK,
    ]);
    if (!rows[0]?.locked) {
      summary.skipped = 'another daemon holds the retention lock';
      return summary;
    }
    try {
      await runSteps(pgPruneSteps(client, policy, options.now ?? Date.now()), summary, options);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]).catch((error: Error) => (broken = error));
    }
    return summary;
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    summary.ms = performance.now() - started;
    client.release(broken);
  }
}

async function runSteps(
  steps: AsyncGenerator<PruneStep>,
  summary: PruneSummary,
  options: { between?: () => Promise<void>; stop?: () => boolean },
): Promise<void> {
  while (!options.stop?.()) {
    const stepStart = performance.now();
    const next = await steps.next();
    if (next.done) return;
    summary.longestStepMs = Math.max(summary.longestStepMs, performance.now() - stepStart);
    summary.changed[next.value.kind] += next.value.changed;
    summary.steps++;
    await options.between?.();
  }
  await steps.return(undefined);
}
