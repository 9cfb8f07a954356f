import { afterAll, describe, expect, it } from 'vitest';
import type { MinuteCount } from '../../../src/gateway/health/error-rates.js';
import { SharedErrorRates, type ErrorRateStore } from '../../../src/gateway/health/shared-error-rates.js';
import { backends } from '../capacity/backends.js';

const { backends: list, skipped } = backends(import.meta.filename);

const at = (iso: string) => Date.parse(iso);
const T = at('2024-03-10T12:34:30.000Z');

/** One daemon's error rates on the shared store, on a clock the test moves. */
function daemon(store: ErrorRateStore, clock: { now: number }) {
  return new SharedErrorRates(store, () => clock.now);
}

// One suite, every backend: routing must see the same rates whichever store adds them up.
describe.each(list)('SharedErrorRates on $name', (backend) => {
  afterAll(() => backend.close());

  it('one reader sees the outcomes of two recorders', async () => {
    const { store, another } = await backend.errorRates();
    const clock = { now: T };
    const [a, b, reader] = [daemon(store, clock), daemon(another(), clock), daemon(another(), clock)];
    a.record('res', 'conn', 'model', 200);
    a.record('res', 'conn', 'model', 500);
    b.record('res', 'conn', 'model', 429);
    b.record('res', 'conn', 'model', 200);
    b.record('res', 'other', 'model', 503);
    // Each recorder sees its own outcomes at once, before anything is sent.
    expect(a.rate('res', 'conn', 'model', 5)).toBe(50);
    expect(b.rate('res', 'conn', 'model', 5)).toBe(50);
    expect(reader.rate('res', 'conn', 'model', 5)).toBe(0);
    await Promise.all([a.sync(), b.sync()]);
    await reader.sync();
    expect(reader.rate('res', 'conn', 'model', 5)).toBe(50);
    expect(reader.rate('res', 'conn', 'model', 5, 429)).toBe(25);
    expect(reader.rate('res', 'other', 'model', 5)).toBe(100);
    expect(reader.rate('res', 'conn', 'another-model', 5)).toBe(0);
    // And the recorders now see each other's.
    await a.sync();
    expect(a.rate('res', 'conn', 'model', 5, 429)).toBe(25);
  });

  it('keeps attempts without a resource or model (null) as such through the store', async () => {
    const { store } = await backend.errorRates();
    const clock = { now: T };
    const writer = daemon(store, clock);
    writer.record(null, 'conn', null, 500);
    writer.record('res', 'conn', 'model', 200);
    await writer.sync();
    const reader = daemon(store, clock);
    await reader.sync();
    expect(reader.rate(null, 'conn', null, 1)).toBe(100);
    expect(reader.rate('res', 'conn', 'model', 1)).toBe(0);
  });

  it('loads the whole history at its first sync, then the recent minutes as they change', async () => {
    const { store, another } = await backend.errorRates();
    const clock = { now: T };
    const old = daemon(store, { now: T - 90 * 60_000 }); // 90 minutes ago
    old.record('res', 'conn', 'model', 500);
    old.record('res', 'conn', 'model', 500);
    await old.sync();
    const reader = daemon(another(), clock);
    await reader.sync();
    expect(reader.rate('res', 'conn', 'model', 120)).toBe(100);
    expect(reader.rate('res', 'conn', 'model', 60)).toBe(0);
    const writer = daemon(store, clock);
    for (let i = 0; i < 6; i++) writer.record('res', 'conn', 'model', 200);
    await writer.sync();
    clock.now += 60_000; // the next minute: the last one is still read again
    await reader.sync();
    expect(reader.rate('res', 'conn', 'model', 120)).toBe(25);
    expect(reader.rate('res', 'conn', 'model', 2)).toBe(0);
  });

  it('counts what is recorded while a sync is under way once, and joins a sync already running', async () => {
    const { store } = await backend.errorRates();
    const clock = { now: T };
    const rates = daemon(store, clock);
    rates.record('res', 'conn', 'model', 500);
    const first = rates.sync();
    rates.record('res', 'conn', 'model', 200); // after the batch left, before the store answered
    expect(rates.sync()).toBe(first);
    await first;
    expect(rates.rate('res', 'conn', 'model', 1)).toBe(50);
    await rates.sync();
    expect(rates.rate('res', 'conn', 'model', 1)).toBe(50);
    const reader = daemon(store, clock);
    await reader.sync();
    expect(reader.rate('res', 'conn', 'model', 1)).toBe(50);
  });

  it('keeps a batch the store refused for the next sync', async () => {
    const { store } = await backend.errorRates();
    const clock = { now: T };
    let down = true;
    const flaky: ErrorRateStore = {
      add: (counts: readonly MinuteCount[]) => (down ? Promise.reject(new Error('store down')) : store.add(counts)),
      read: (from, to) => store.read(from, to),
      prune: (before) => store.prune(before),
    };
    const rates = daemon(flaky, clock);
    rates.record('res', 'conn', 'model', 500);
    await expect(rates.sync()).rejects.toThrow('store down');
    rates.record('res', 'conn', 'model', 500);
    down = false;
    await rates.flush();
    const reader = daemon(store, clock);
    await reader.sync();
    expect(reader.rate('res', 'conn', 'model', 1)).toBe(100);
    expect((await store.read(Math.floor(T / 60_000), Math.floor(T / 60_000))).map((c) => c.count)).toEqual([2]);
  });

  it('forgets minutes older than the history', async () => {
    const { store } = await backend.errorRates();
    const minute = Math.floor(T / 60_000);
    await store.add([{ resourceId: 'r', connectionId: 'c', model: 'm', minute: minute - 200, status: 500, count: 1 }]);
    await store.add([{ resourceId: 'r', connectionId: 'c', model: 'm', minute, status: 500, count: 1 }]);
    await daemon(store, { now: T }).sync();
    const kept = await store.read(minute - 300, minute);
    // Redis lets old minutes expire (on its own clock); the others delete them.
    expect(kept.map((c) => c.minute)).toEqual(backend.name === 'redis' ? [minute - 200, minute] : [minute]);
  });
});

for (const line of skipped) it.skip(line, () => {});
