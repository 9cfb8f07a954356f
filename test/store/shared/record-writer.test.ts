import { afterEach, describe, expect, it } from 'vitest';
import type { PostgresBackend } from '../../../src/store/postgres/open.js';
import { PgRecordWriter, type RecordWriterOptions } from '../../../src/store/postgres/record-writer.js';
import { auditRow, usageRow } from '../../helpers/history-rows.js';
import { POSTGRES_SKIP_REASON, postgresUrl } from '../../helpers/postgres.js';
import { backends, seedEnvironment } from '../backends.js';
import { expectWithinBudget } from '../../helpers/time-budget.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 6, 10, 0, 0);
const pgBackend = backends.find((b) => b.name === 'postgres');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a writer reported, and the writer; closed after the test. */
const writers: PgRecordWriter[] = [];
afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.close();
});

function writerOn(store: PostgresBackend, options: Partial<RecordWriterOptions> = {}) {
  const reports: Array<[string, string]> = [];
  const writer = new PgRecordWriter(store.pool, {
    flushEveryMs: 5,
    retryMs: 10,
    report: (level, message) => reports.push([level, message]),
    ...options,
  });
  writers.push(writer);
  return { writer, reports };
}

/** One request as the daemon records it: a failed attempt, its fallback, and the audit row. */
function recordRequest(writer: PgRecordWriter, i: number): void {
  const at = T0 + (i % 3) * HOUR + i;
  writer.usage(usageRow({ requestId: `r${i}`, at, environmentId: 'e', status: 502, final: false, model: 'm1' }));
  writer.usage(usageRow({ requestId: `r${i}`, at: at + 1, environmentId: 'e', attempt: 1, model: 'm2', costNano: 3 }));
  writer.audit(auditRow({ requestId: `r${i}`, at, environmentId: 'e' }));
}

const describePg = pgBackend ? describe : describe.skip;

describePg(`PostgreSQL record writer${pgBackend ? '' : ` (skipped, ${POSTGRES_SKIP_REASON})`}`, () => {
  it('writes the records of many concurrent callers, from two daemons, each exactly once', async () => {
    const store = (await pgBackend!.open()) as PostgresBackend;
    const [a, b] = [writerOn(store, { flushAt: 25 }), writerOn(store, { flushAt: 40 })];
    await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        await sleep(i % 17);
        recordRequest(i % 2 ? a.writer : b.writer, i);
      }),
    );
    await Promise.all([a.writer.written(), b.writer.written()]);
    expect(await store.usage.counts()).toEqual({ raw: 600, hourly: 6 });
    expect(await store.audit.count()).toBe(300);
    for (const i of [0, 1, 150, 299])
      expect((await store.usage.forRequest(`r${i}`)).map((r) => r.model)).toEqual(['m1', 'm2']);
    const [totals] = (await store.usage.report({ environmentId: 'e', since: T0, until: T0 + 3 * HOUR, by: [] })).rows;
    expect(totals!.figures).toMatchObject({ requests: 300, attempts: 600, errors: 300, fallbacks: 300, costNano: 900 });
    expect(a.writer.stats).toEqual({ written: 450, lost: 0 });
    expect([...a.reports, ...b.reports]).toEqual([]);
  });

  it('writes what is left on close, then refuses new records and says so', async () => {
    const store = (await pgBackend!.open()) as PostgresBackend;
    const { writer, reports } = writerOn(store, { flushEveryMs: 60_000 });
    for (let i = 0; i < 10; i++) recordRequest(writer, i);
    expect(await store.audit.count()).toBe(0);
    await writer.close();
    expect(await store.audit.count()).toBe(10);
    // Three hours, two models in each.
    expect(await store.usage.counts()).toEqual({ raw: 20, hourly: 6 });
    recordRequest(writer, 11);
    expect(writer.stats.lost).toBe(3);
    expect(reports).toEqual([['error', 'record writer closed: 1 record(s) after close not written']]);
  });

  it('gives up on close after closeTimeoutMs when the database cannot take the rest, and says what was lost', async () => {
    const store = (await pgBackend!.open()) as PostgresBackend;
    const { writer, reports } = writerOn(store, { attempts: 1000, closeTimeoutMs: 100 });
    await store.pool.query('ALTER TABLE audit RENAME TO audit_away');
    recordRequest(writer, 0);
    // A writer that did not give up would retry for hours (1,000 tries, backing off to 5 s): close()
    // resolving at all is the check; how soon is a budget for `npm run test:slow`.
    const started = Date.now();
    await writer.close();
    expectWithinBudget(Date.now() - started, 2_000, 'close() giving up');
    expect(writer.stats).toEqual({ written: 0, lost: 3 });
    expect(reports.at(-1)?.[1]).toMatch(
      /^2 usage and 1 audit record\(s\) not written after \d+ tries: the writer closed/,
    );
    await store.pool.query('ALTER TABLE audit_away RENAME TO audit');
  });

  it('sends counters and discovered capacity with the batches, and hands back each batch once committed', async () => {
    const store = (await pgBackend!.open()) as PostgresBackend;
    const { environment } = await seedEnvironment(store);
    const connection = await store.connections.create({
      environmentId: environment.id,
      name: 'up',
      provider: 'openai',
      config: {},
      capacity: [],
      user: 'alice',
    });
    const committed: string[][] = [];
    const { writer, reports } = writerOn(store, { onWritten: (batch) => committed.push(batch.supersedes) });
    let round = 0;
    writer.alsoSend((batch) => {
      round++;
      batch.counters.push({ key: 'key:k:minute', windowStart: T0, requests: round, tokens: 10 * round });
      batch.discovered.push({
        connectionId: connection.id,
        model: `m${round}`,
        capacity: { period: 'minute', requests: round },
        at: new Date(T0).toISOString(),
      });
      batch.supersedes.push(`journal-${round}`);
    });
    writer.usage(usageRow({ requestId: 'a', at: T0, environmentId: 'e' }));
    await writer.written();
    writer.audit(auditRow({ requestId: 'b', at: T0 }));
    await writer.written();
    expect(await store.capacityCounters.all()).toEqual([
      { key: 'key:k:minute', windowStart: T0, requests: 2, tokens: 20 },
    ]);
    expect((await store.connections.get(connection.id))!.discoveredCapacity).toEqual({
      m1: { updatedAt: new Date(T0).toISOString(), capacity: [{ period: 'minute', requests: 1 }] },
      m2: { updatedAt: new Date(T0).toISOString(), capacity: [{ period: 'minute', requests: 2 }] },
    });
    expect(committed).toEqual([['journal-1'], ['journal-2']]);
    expect(reports).toEqual([]);
  });

  it('retries a batch the database cannot take yet, and writes it once when it can', async () => {
    const store = (await pgBackend!.open()) as PostgresBackend;
    const { writer, reports } = writerOn(store, { attempts: 1000 });
    await store.pool.query('ALTER TABLE audit RENAME TO audit_away');
    for (let i = 0; i < 5; i++) recordRequest(writer, i);
    while (reports.length === 0) await sleep(5);
    expect(reports[0]).toEqual(['warn', 'recording 1 batch(es) waits: relation "audit" does not exist']);
    for (let i = 5; i < 8; i++) recordRequest(writer, i);
    await sleep(50);
    await store.pool.query('ALTER TABLE audit_away RENAME TO audit');
    await writer.written();
    expect(await store.audit.count()).toBe(8);
    expect(await store.usage.counts()).toEqual({ raw: 16, hourly: 6 });
    expect(writer.stats).toEqual({ written: 24, lost: 0 });
  });

  it('reports a batch the database keeps refusing, then goes on with the next ones', async () => {
    const store = (await pgBackend!.open()) as PostgresBackend;
    const { writer, reports } = writerOn(store, { attempts: 3 });
    await store.pool.query('ALTER TABLE audit RENAME TO audit_away');
    recordRequest(writer, 0);
    await writer.written();
    await store.pool.query('ALTER TABLE audit_away RENAME TO audit');
    recordRequest(writer, 1);
    await writer.written();
    expect(reports.at(-1)).toEqual([
      'error',
      '2 usage and 1 audit record(s) not written after 3 tries: relation "audit" does not exist',
    ]);
    expect(writer.stats).toEqual({ written: 3, lost: 3 });
    expect(await store.usage.forRequest('r0')).toEqual([]);
    expect(await store.usage.forRequest('r1')).toHaveLength(2);
  });

  it('keeps at most maxQueued records waiting, and reports the ones it refuses', async () => {
    const store = (await pgBackend!.open()) as PostgresBackend;
    const { writer, reports } = writerOn(store, { attempts: 1000, maxQueued: 10 });
    await store.pool.query('ALTER TABLE usage RENAME TO usage_away');
    for (let i = 0; i < 5; i++) recordRequest(writer, i);
    expect(writer.stats.lost).toBe(5);
    expect(reports[0]).toEqual([
      'error',
      'record queue full (10 records waiting for PostgreSQL): 1 record(s) not written',
    ]);
    await store.pool.query('ALTER TABLE usage_away RENAME TO usage');
    await writer.written();
    expect(writer.stats).toEqual({ written: 10, lost: 5 });
    expect((await store.audit.count()) + (await store.usage.counts()).raw).toBe(10);
    recordRequest(writer, 9);
    await writer.written();
    expect(writer.stats.written).toBe(13);
  });
});
