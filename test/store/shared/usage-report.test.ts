import { describe, expect, it } from 'vitest';
import { quantile } from '../../../src/gateway/latency-sketch.js';
import type { StoreBackend } from '../../../src/store/backend.js';
import type { UsageDimension, UsageQuery, UsageRecord } from '../../../src/store/repos/usage.js';
import { usageRow } from '../../helpers/history-rows.js';
import { POSTGRES_SKIP_REASON, postgresUrl } from '../../helpers/postgres.js';
import { backends, describeEachBackend } from '../backends.js';

const HOUR = 3_600_000;
/** 20 minutes into an hour, three days after the first row. */
const NOW = Date.UTC(2025, 2, 10, 12, 20, 0);

/** 500 requests over three days: failures with fallbacks, unpriced and free attempts, streams, keys. */
function history(): UsageRecord[] {
  const rows: UsageRecord[] = [];
  for (let i = 0; i < 500; i++) {
    const at = NOW - 72 * HOUR + i * 8 * 60_000 + 13;
    const failed = i % 7 === 0;
    const base = {
      environmentId: 'e',
      connectionId: i % 5 ? 'c1' : 'c2',
      provider: i % 5 ? 'openai' : 'anthropic',
      keyId: i % 3 ? 'k1' : null,
      resource: i % 11 ? 'chat' : 'summarize',
      stream: i % 4 === 0,
      cachedTokens: 2,
      providerMs: 90,
      gateMs: 0,
    };
    rows.push(
      usageRow({
        ...base,
        requestId: `r${i}`,
        at,
        model: i % 2 ? 'gpt-4o-mini' : 'llama',
        status: failed ? 502 : 200,
        final: !failed,
        inputTokens: failed ? null : i,
        outputTokens: failed ? null : 2 * i,
        totalTokens: failed ? null : 3 * i,
        costNano: failed ? 0 : i % 2 ? 5 * i : null,
        // Durations over several decades, some on bucket edges.
        durationMs: i % 13 ? 20 + i * 1.37 : 1.02 ** (i % 300),
        ttftMs: i % 4 ? 5 + i / 2 : null,
      }),
    );
    if (failed)
      rows.push(
        usageRow({ ...base, requestId: `r${i}`, at: at + 1, attempt: 1, model: 'fallback', durationMs: 40 + i }),
      );
  }
  return rows;
}

/** Whole hours, ragged edges, a window inside one hour, windows before and after the rows. */
const WINDOWS: Array<[number, number]> = [
  [NOW - 80 * HOUR, NOW + HOUR],
  [NOW - 71 * HOUR - 17 * 60_000, NOW - 3 * HOUR + 11 * 60_000],
  [NOW - 10 * HOUR + 60_000, NOW - 10 * HOUR + 50 * 60_000],
  [NOW - 200 * HOUR, NOW - 100 * HOUR],
];
const GROUPINGS: UsageDimension[][] = [
  [],
  ['model', 'key'],
  ['hour'],
  ['day', 'resource'],
  ['connection', 'provider'],
  ['minute'],
  ['week', 'model'],
];

function queries(): UsageQuery[] {
  const list: UsageQuery[] = [];
  for (const [since, until] of WINDOWS) for (const by of GROUPINGS) list.push({ environmentId: 'e', since, until, by });
  const [since, until] = WINDOWS[1]!;
  list.push({ environmentId: 'e', since, until, by: ['model'], keyId: 'k1', resource: 'chat' });
  list.push({ environmentId: 'e', since, until, by: ['key'], keyId: '' });
  list.push({ environmentId: 'other', since, until, by: [] });
  return list;
}

async function load(store: StoreBackend, rows: UsageRecord[]): Promise<void> {
  // In several batches, so hours are built up by more than one upsert.
  for (let i = 0; i < rows.length; i += 37) await store.usage.insertMany(rows.slice(i, i + 37));
}

describeEachBackend('usage reports', ({ open }) => {
  it('sums what the raw rows hold, and reports the same before and after they are pruned', async () => {
    const store = await open();
    const rows = history();
    await load(store, rows);
    for (const [since, until] of WINDOWS) {
      const all = (await store.usage.report({ environmentId: 'e', since, until, by: [] })).rows[0]?.figures;
      const inWindow = rows.filter((r) => r.at >= since && r.at < until);
      expect(all?.requests ?? 0).toBe(inWindow.filter((r) => r.final).length);
      expect(all?.attempts ?? 0).toBe(inWindow.length);
      expect(all?.errors ?? 0).toBe(inWindow.filter((r) => r.status >= 400).length);
      expect(all?.fallbacks ?? 0).toBe(inWindow.filter((r) => !r.final).length);
      expect(all?.inputTokens ?? 0).toBe(inWindow.reduce((s, r) => s + (r.inputTokens ?? 0), 0));
      expect(all?.costNano ?? 0).toBe(inWindow.reduce((s, r) => s + (r.costNano ?? 0), 0));
      expect(all?.unpriced ?? 0).toBe(inWindow.filter((r) => r.costNano === null).length);
    }

    const aligned = { environmentId: 'e', since: NOW - 80 * HOUR - 20 * 60_000, until: NOW + 40 * 60_000 };
    // Minutes are not kept once raw rows go (see the next test): every other grouping reports the same.
    const hourly = GROUPINGS.filter((by) => !by.includes('minute'));
    const before = await Promise.all(hourly.map((by) => store.usage.report({ ...aligned, by })));
    while ((await store.usage.pruneRaw(NOW - 24 * HOUR, 100)) > 0);
    expect(await store.usage.rawFloor()).toBe(NOW - 20 * 60_000 - 24 * HOUR);
    expect(await Promise.all(hourly.map((by) => store.usage.report({ ...aligned, by })))).toEqual(before);
    // An edge inside a pruned hour moves back to the start of that hour.
    const ragged = await store.usage.report({
      environmentId: 'e',
      since: NOW - 50 * HOUR + 5 * 60_000,
      until: NOW,
      by: [],
    });
    expect(ragged.since).toBe(NOW - 50 * HOUR - 20 * 60_000);
  });

  it('counts minutes from raw rows, and a pruned hour in its first minute', async () => {
    const store = await open();
    const rows = history();
    await load(store, rows);
    const window = { environmentId: 'e', since: NOW - 30 * HOUR, until: NOW, by: ['minute'] as UsageDimension[] };
    const perMinute = (report: Awaited<ReturnType<typeof store.usage.report>>) =>
      Object.fromEntries(report.rows.map((row) => [row.group.minute, row.figures.attempts])) as Record<string, number>;
    const expected: Record<string, number> = {};
    for (const row of rows.filter((r) => r.at >= window.since && r.at < window.until)) {
      const minute = new Date(Math.floor(row.at / 60_000) * 60_000).toISOString();
      expected[minute] = (expected[minute] ?? 0) + 1;
    }
    expect(perMinute(await store.usage.report(window))).toEqual(expected);

    // Raw rows before the floor are gone: their hours count in the hours' first minutes, the rest as before.
    while ((await store.usage.pruneRaw(NOW - 24 * HOUR, 100)) > 0);
    const floor = await store.usage.rawFloor();
    const after = perMinute(await store.usage.report(window));
    for (const [minute, attempts] of Object.entries(expected)) {
      if (Date.parse(minute) >= floor) expect(after[minute], minute).toBe(attempts);
    }
    const before = Object.entries(after).filter(([minute]) => Date.parse(minute) < floor);
    expect(before.every(([minute]) => Date.parse(minute) % HOUR === 0)).toBe(true);
    const prunedAttempts = rows.filter((r) => r.at >= Math.floor(window.since / HOUR) * HOUR && r.at < floor).length;
    expect(before.reduce((sum, [, n]) => sum + n, 0)).toBe(prunedAttempts);
  });
});

const both = backends.length > 1;

describe(
  both
    ? 'usage reports: SQLite and PostgreSQL'
    : `usage reports: SQLite and PostgreSQL skipped, ${POSTGRES_SKIP_REASON}`,
  () => {
    it.skipIf(!postgresUrl())('give identical reports, costs and percentiles for the same rows', async () => {
      const [sqlite, postgres] = await Promise.all(backends.map((b) => b.open()));
      const rows = history();
      await Promise.all([load(sqlite!, rows), load(postgres!, rows)]);
      const compare = async () => {
        for (const query of queries()) {
          const [a, b] = await Promise.all([sqlite!.usage.report(query), postgres!.usage.report(query)]);
          expect(b, JSON.stringify(query)).toEqual(a);
          for (const [x, y] of a.rows.map((row, i) => [row.figures, b.rows[i]!.figures] as const))
            for (const q of [0.5, 0.95])
              expect([quantile(y.latency, q), quantile(y.ttft, q)]).toEqual([
                quantile(x.latency, q),
                quantile(x.ttft, q),
              ]);
        }
      };
      await compare();
      const totals = (await sqlite!.usage.report({ environmentId: 'e', since: 0, until: NOW + HOUR, by: [] })).rows[0]!;
      expect(quantile(totals.figures.latency, 0.95)).toBeGreaterThan(0);
      for (const store of [sqlite!, postgres!]) while ((await store.usage.pruneRaw(NOW - 30 * HOUR, 100)) > 0);
      await compare();
    });
  },
);
