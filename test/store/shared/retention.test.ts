import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { sqliteBackend, StoreBackend } from '../../../src/store/backend.js';
import type { PostgresBackend } from '../../../src/store/postgres/open.js';
import {
  prunePg,
  readRetentionPolicy,
  RETENTION_LOCK,
  type PgPruneSummary,
} from '../../../src/store/postgres/retention.js';
import { prune, type PruneSummary, type RetentionPolicy } from '../../../src/store/retention.js';
import { auditRow, usageRow } from '../../helpers/history-rows.js';
import { POSTGRES_SKIP_REASON, postgresUrl } from '../../helpers/postgres.js';
import { backends, describeEachBackend } from '../backends.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 2, 10, 12, 20, 0);

/** A whole retention pass, as each backend's daemon runs it. */
async function pass(store: StoreBackend, policy: RetentionPolicy, now = NOW): Promise<PruneSummary> {
  if (store.kind === 'sqlite') return prune((store as ReturnType<typeof sqliteBackend>).sqlite, policy, { now });
  return prunePg((store as PostgresBackend).pool, policy, { now });
}

/** One audit row with bodies and one usage row every two hours over 40 days. */
async function fill(store: StoreBackend): Promise<number[]> {
  const times = Array.from({ length: 480 }, (_, i) => NOW - 40 * DAY + i * 2 * HOUR + 7);
  await store.usage.insertMany(times.map((at, i) => usageRow({ requestId: `r${i}`, at, environmentId: 'e' })));
  for (const [i, at] of times.entries())
    await store.audit.insert(auditRow({ requestId: `r${i}`, at, requestBody: 'in', responseBody: 'out' }));
  return times;
}

describeEachBackend('retention', ({ open }) => {
  it('prunes bodies, audit rows, raw usage and hourly totals in short steps, reports unchanged', async () => {
    const store = await open();
    const times = await fill(store);
    await store.settings.set('retention.audit-bodies', '7d');
    await store.settings.set('retention.audit', '30d');
    await store.settings.set('retention.usage-raw', '10d');
    await store.settings.set('retention.usage-hourly', '35d');
    const policy = await readRetentionPolicy(store.settings);
    expect(policy).toEqual({
      auditBodiesMs: 7 * DAY,
      auditMs: 30 * DAY,
      usageRawMs: 10 * DAY,
      usageHourlyMs: 35 * DAY,
    });
    const whole = { environmentId: 'e', since: NOW - 34 * DAY - 20 * 60_000, until: NOW - 20 * 60_000 };
    const before = await store.usage.report({ ...whole, by: ['hour'] });

    const summary = await pass(store, policy);
    const older = (ms: number) => times.filter((at) => at < NOW - ms).length;
    const floor = Math.floor((NOW - 10 * DAY) / HOUR) * HOUR;
    // An hour goes when it starts before the cutoff.
    const oldHours = times.filter((at) => Math.floor(at / HOUR) * HOUR < NOW - 35 * DAY).length;
    expect(summary.changed).toMatchObject({
      'audit-bodies': older(7 * DAY),
      audit: older(30 * DAY),
      'usage-raw': times.filter((at) => at < floor).length,
      'usage-hourly': oldHours,
    });
    expect(summary.steps).toBeGreaterThan(4);
    expect(await store.audit.count()).toBe(times.length - older(30 * DAY));
    expect(await store.audit.get(`r${older(30 * DAY)}`)).toMatchObject({ requestBody: null, responseBody: null });
    expect(await store.audit.get(`r${times.length - 1}`)).toMatchObject({ requestBody: 'in', responseBody: 'out' });
    expect(await store.usage.rawFloor()).toBe(floor);
    expect(await store.usage.counts()).toEqual({
      raw: times.length - times.filter((at) => at < floor).length,
      hourly: times.length - oldHours,
    });
    expect(await store.usage.report({ ...whole, by: ['hour'] })).toEqual(before);

    const again = await pass(store, policy);
    expect(again.changed).toEqual({ 'audit-bodies': 0, audit: 0, 'usage-raw': 0, 'usage-hourly': 0, vacuum: 0 });
    expect(await store.space.sizeBytes()).toBeGreaterThan(0);
  });

  it('reads the default policy when nothing is set', async () => {
    const store = await open();
    expect(await readRetentionPolicy(store.settings)).toEqual({
      auditBodiesMs: 7 * DAY,
      auditMs: 30 * DAY,
      usageRawMs: 30 * DAY,
      usageHourlyMs: 400 * DAY,
    });
  });
});

const pgBackend = backends.find((b) => b.name === 'postgres');
const policy: RetentionPolicy = { auditBodiesMs: DAY, auditMs: 2 * DAY, usageRawMs: 2 * DAY, usageHourlyMs: 3 * DAY };

describe(`retention on PostgreSQL${pgBackend ? '' : ` skipped, ${POSTGRES_SKIP_REASON}`}`, () => {
  it.skipIf(!postgresUrl())('runs on one daemon at a time: a pass finding the lock taken is skipped', async () => {
    const store = (await pgBackend!.open()) as PostgresBackend;
    await fill(store);
    const other = await store.pool.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK]);
      const skipped = await prunePg(store.pool, policy, { now: NOW });
      expect(skipped).toMatchObject({ skipped: 'another daemon holds the retention lock', steps: 0 });
      expect(await store.audit.count()).toBe(480);
      await other.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
    } finally {
      other.release();
    }
    const ran = await prunePg(store.pool, policy, { now: NOW });
    expect(ran.skipped).toBeUndefined();
    expect(ran.changed.audit).toBeGreaterThan(0);
    expect(ran.changed.vacuum).toBeGreaterThanOrEqual(0);
  });

  it.skipIf(!postgresUrl())('a pass on another daemon while one runs is skipped', async () => {
    const store = (await pgBackend!.open()) as PostgresBackend;
    await fill(store);
    const otherDaemon = new pg.Pool({ connectionString: postgresUrlOf(store), max: 2 });
    try {
      let other: Promise<PgPruneSummary> | undefined;
      // The other daemon's pass starts, and ends, between two steps of this one.
      const first = await prunePg(store.pool, policy, {
        now: NOW,
        between: async () => void (await (other ??= prunePg(otherDaemon, policy, { now: NOW }))),
      });
      expect(first.skipped).toBeUndefined();
      expect(first.changed.audit).toBeGreaterThan(0);
      expect(await other).toMatchObject({ skipped: 'another daemon holds the retention lock', steps: 0 });
    } finally {
      await otherDaemon.end();
    }
  });

  it.skipIf(!postgresUrl())('stops early when asked, and leaves the lock free for the next pass', async () => {
    const store = (await pgBackend!.open()) as PostgresBackend;
    await fill(store);
    const stopped = await prunePg(store.pool, policy, { now: NOW, stop: () => true });
    expect(stopped.steps).toBe(0);
    const { rows } = await store.pool.query<{ held: number }>(
      "SELECT count(*) AS held FROM pg_locks WHERE locktype = 'advisory' AND objid = $1",
      [RETENTION_LOCK],
    );
    expect(rows[0]!.held).toBe(0);
    expect((await prunePg(store.pool, policy, { now: NOW })).steps).toBeGreaterThan(0);
  });
});

/** The URL the backend was opened with, schema included (its pool keeps it). */
function postgresUrlOf(store: PostgresBackend): string {
  return (store.pool.options as { connectionString: string }).connectionString;
}
