import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapacityGate } from '../../../src/gateway/capacity/gate.js';
import { WINDOW_MARGIN_MS } from '../../../src/gateway/capacity/counter-store.js';
import { PgCounters } from '../../../src/store/postgres/counters.js';
import { POSTGRES_SKIPPED, scratchDatabase, set, type ScratchDatabase } from './backends.js';

const url = process.env.VMX_TEST_DATABASE_URL;

// What only PostgreSQL has to get right (the shared behaviour is in gate.test.ts): rows that carry
// their expiry, and expired ones deleted now and then.
describe.skipIf(!url)('PgCounters', () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await scratchDatabase(url!);
  });
  afterAll(() => db?.drop());

  const now = Date.parse('2024-03-10T12:34:56.500Z');
  const minute = Date.parse('2024-03-10T12:34:00.000Z');

  it('keeps a row per counter and window, expiring at the window end (gate clock) plus the margin', async () => {
    const gate = new CapacityGate(new PgCounters(db.main), () => now);
    await gate.admit([set('key', ['5r/m'])], 7);
    const { rows } = await db.main.query('SELECT * FROM capacity_windows');
    expect(rows).toEqual([
      {
        counter_key: 'key:key-id:minute',
        window_start: String(minute),
        requests: '1',
        tokens: '7',
        expires_at: String(minute + 60_000 + WINDOW_MARGIN_MS),
      },
    ]);
  });

  it('deletes expired rows in the background, at most once a minute', async () => {
    await db.main.query('TRUNCATE capacity_windows');
    await db.main.query(
      `INSERT INTO capacity_windows VALUES ('key:gone:minute', 0, 1, 1, $1), ('key:kept:minute', 0, 1, 1, $2)`,
      [now - 1, now + 1],
    );
    const errors: unknown[] = [];
    const gate = new CapacityGate(new PgCounters(db.main, (e) => errors.push(e)), () => now);
    await gate.admit([set('key', ['5r/m'])], 0);
    const keys = async () =>
      (await db.main.query('SELECT counter_key FROM capacity_windows')).rows.map((r) => r.counter_key).sort();
    await expect.poll(keys).toEqual(['key:kept:minute', 'key:key-id:minute']);
    await db.main.query(`INSERT INTO capacity_windows VALUES ('key:gone:minute', 0, 1, 1, $1)`, [now - 1]);
    await gate.admit([set('key', ['5r/m'])], 0); // the same minute: no second prune
    expect(await keys()).toContain('key:gone:minute');
    expect(errors).toEqual([]);
  });
});

if (!url) it.skip(POSTGRES_SKIPPED, () => {});
