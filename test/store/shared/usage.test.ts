import { beforeEach, expect, it } from 'vitest';
import type { StoreBackend } from '../../../src/store/backend.js';
import type { UsageRecord } from '../../../src/store/repos/usage.js';
import { usageRow } from '../../helpers/history-rows.js';
import { describeEachBackend } from '../backends.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 6, 10, 0, 0);

describeEachBackend('usage rows', ({ open }) => {
  let store: StoreBackend;
  beforeEach(async () => {
    store = await open();
  });

  it('gives back every field of a request’s attempts, in attempt order', async () => {
    const failed = usageRow({
      requestId: 'r1',
      at: T0 + 1,
      environmentId: 'e',
      keyId: 'k',
      resourceId: 'res',
      connectionId: 'c1',
      stream: true,
      status: 502,
      error: 'upstream said no',
      durationMs: 12.345678901234,
      providerMs: 0.000123,
      ttftMs: 3.5,
      gateMs: 0,
      correlationId: 'corr',
      final: false,
      costNano: null,
    });
    const answered = usageRow({
      requestId: 'r1',
      at: T0 + 2,
      environmentId: 'e',
      attempt: 1,
      provider: null,
      model: null,
      inputTokens: 2 ** 40,
      outputTokens: 5,
      totalTokens: 2 ** 40 + 5,
      cachedTokens: 0,
      cacheWriteTokens: 7,
      durationMs: null,
      providerMs: null,
      gateMs: null,
      costNano: 9_007_199_254,
    });
    await store.usage.insertMany([answered, failed]);
    await store.usage.insertMany([usageRow({ requestId: 'r2', at: T0, environmentId: 'e' })]);
    expect(await store.usage.forRequest('r1')).toEqual([failed, answered]);
    expect(await store.usage.forRequest('nope')).toEqual([]);
    // Three groups of one hour: the connection, stream and provider differ.
    expect(await store.usage.counts()).toEqual({ raw: 3, hourly: 3 });
  });

  it('keeps a record whose text holds a NUL character (as U+FFFD on PostgreSQL)', async () => {
    await store.usage.insertMany([usageRow({ requestId: 'r', at: T0, environmentId: 'e', model: 'a\u0000b' })]);
    const [row] = await store.usage.forRequest('r');
    expect(['a\u0000b', 'a\uFFFDb']).toContain(row!.model);
  });

  it('lists the attempts since a moment for the error rates, not the ones no provider saw', async () => {
    await store.usage.insertMany([
      usageRow({ requestId: 'a', at: T0 - 1, environmentId: 'e' }),
      usageRow({ requestId: 'b', at: T0, environmentId: 'e', resourceId: 'r', connectionId: 'c', status: 429 }),
      usageRow({ requestId: 'c', at: T0 + 5, environmentId: 'e', provider: null, status: 401 }),
    ]);
    expect(await store.usage.attemptsSince(T0)).toEqual([
      { resourceId: 'r', connectionId: 'c', model: 'gpt-4o', status: 429, at: T0 },
    ]);
  });

  it('adds every batch to its hours: one row per hour and group, summed across batches', async () => {
    const rows: UsageRecord[] = [];
    for (let i = 0; i < 40; i++)
      rows.push(
        usageRow({
          requestId: `r${i}`,
          at: T0 + (i % 4) * HOUR + i,
          environmentId: 'e',
          model: i % 3 ? 'm1' : 'm2',
          inputTokens: i,
          costNano: i % 5 ? i : null,
        }),
      );
    for (let i = 0; i < rows.length; i += 7) await store.usage.insertMany(rows.slice(i, i + 7));
    expect(await store.usage.counts()).toEqual({ raw: 40, hourly: 8 });
    const { rows: byHour } = await store.usage.report({
      environmentId: 'e',
      since: T0,
      until: T0 + 4 * HOUR,
      by: ['hour', 'model'],
    });
    expect(byHour).toHaveLength(8);
    expect(byHour[0]!.group).toEqual({ hour: new Date(T0).toISOString(), model: 'm1' });
    const inFirst = rows.filter((r) => r.at < T0 + HOUR && r.model === 'm1');
    expect(byHour[0]!.figures).toMatchObject({
      requests: inFirst.length,
      inputTokens: inFirst.reduce((s, r) => s + (r.inputTokens ?? 0), 0),
      costNano: inFirst.reduce((s, r) => s + (r.costNano ?? 0), 0),
      unpriced: inFirst.filter((r) => r.costNano === null).length,
      latency: { 228: inFirst.length },
    });
  });

  it('prunes raw rows oldest first behind a floor that only moves forward, then the oldest hours', async () => {
    const rows = [0, 1, 2, 3].map((h) => usageRow({ requestId: `r${h}`, at: T0 + h * HOUR + 10, environmentId: 'e' }));
    await store.usage.insertMany(rows);
    expect(await store.usage.rawFloor()).toBe(0);
    expect(await store.usage.pruneRaw(T0 + 2 * HOUR + 30 * 60_000, 1)).toBe(1);
    expect(await store.usage.rawFloor()).toBe(T0 + 2 * HOUR);
    expect(await store.usage.pruneRaw(T0 + 2 * HOUR, 10)).toBe(1);
    expect(await store.usage.pruneRaw(T0 + HOUR, 10)).toBe(0);
    expect(await store.usage.rawFloor()).toBe(T0 + 2 * HOUR);
    expect((await store.usage.forRequest('r2')).length).toBe(1);
    expect(await store.usage.counts()).toEqual({ raw: 2, hourly: 4 });

    expect(await store.usage.pruneOldestHour(T0)).toBe(0);
    expect(await store.usage.pruneOldestHour(T0 + 2 * HOUR)).toBe(1);
    expect(await store.usage.pruneOldestHour(T0 + 2 * HOUR)).toBe(1);
    expect(await store.usage.pruneOldestHour(T0 + 2 * HOUR)).toBe(0);
    expect(await store.usage.counts()).toEqual({ raw: 2, hourly: 2 });
  });
});

describeEachBackend('capacity counters', ({ open }) => {
  it('saves a counter’s latest window and gives every counter back', async () => {
    const store = await open();
    expect(await store.capacityCounters.all()).toEqual([]);
    await store.capacityCounters.save({ key: 'key:k1:minute', windowStart: T0, requests: 1, tokens: 10 });
    await store.capacityCounters.save({ key: 'connection:c:day', windowStart: T0, requests: 5, tokens: 2 ** 40 });
    await store.capacityCounters.save({ key: 'key:k1:minute', windowStart: T0 + 60_000, requests: 2, tokens: 3 });
    const all = await store.capacityCounters.all();
    expect(all.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'connection:c:day', windowStart: T0, requests: 5, tokens: 2 ** 40 },
      { key: 'key:k1:minute', windowStart: T0 + 60_000, requests: 2, tokens: 3 },
    ]);
  });

  it('writes counters inside a transaction only when it commits', async () => {
    const store = await open();
    await expect(
      store.transaction(async (tx) => {
        await tx.capacityCounters.save({ key: 'k', windowStart: T0, requests: 1, tokens: 1 });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await store.capacityCounters.all()).toEqual([]);
  });
});
