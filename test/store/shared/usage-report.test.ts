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
const GROUPINGS: UsageDimension[][] = [[], ['model', 'key'], ['hour'], ['day', 'resource'], ['connection', 'provider']];

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
    const before = await Promise.all(GROUPINGS.map((by) => store.usage.report({ ...aligned, by })));
    while ((await store.usage.pruneRaw(NOW - 24 * HOUR, 100)) > 0);
    expect(await store.usage.rawFloor()).toBe(NOW - 20 * 60_000 - 24 * HOUR);
    expect(await Promise.all(GROUPINGS.map((by) => store.usage.report({ ...aligned, by })))).toEqual(before);
    // An edge inside a pruned hour moves back to the start of that hour.
    const ragged = await store.usage.report({
      environmentId: 'e',
      since: NOW - 50 * HOUR + 5 * 60_000,
      until: NOW,
      by: [],
    });
    expect(ragged.since).toBe(NOW - 50 * HOUR - 20 * 60_000);
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
