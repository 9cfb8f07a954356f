import { describe, expect, it } from 'vitest';
import { CapacityGate, counterKey, isRejection, type CounterRow } from '../../../src/gateway/capacity/gate.js';
import { MemoryCounters } from '../../../src/gateway/capacity/memory-counters.js';
import { admitted, refused, set } from './backends.js';

const at = (iso: string) => Date.parse(iso);

/** The embedded gate on a clock the test moves, its counters, and what they journaled. */
function gate(now = '2024-03-10T12:34:56.500Z', saved: CounterRow[] = []) {
  const clock = { now: at(now) };
  const journal: CounterRow[][] = [];
  const counters = new MemoryCounters(saved, (rows) => journal.push(rows.map((r) => ({ ...r }))));
  return { gate: new CapacityGate(counters, () => clock.now), counters, clock, journal };
}

describe('CapacityGate on memory counters (the embedded default)', () => {
  it('answers at once, never through a promise: the hot path stays synchronous', () => {
    const { gate: g } = gate();
    const limits = [set('key', ['1r/m', '100t/m'])];
    const verdict = g.admit(limits, 10);
    expect(verdict).not.toBeInstanceOf(Promise);
    if (isRejection(verdict)) throw new Error(verdict.message);
    expect(g.admit(limits, 10)).toMatchObject({ level: 'key', dimension: 'requests' });
    expect(g.reconcile(verdict, 5)).toBeUndefined();
    expect(g.used('key', 'key-id', 'minute')).toEqual({ requests: 1, tokens: 5 });
  });

  it('journals each admission with the counters as charged, before it returns', async () => {
    const { gate: g, journal } = gate();
    const start = at('2024-03-10T12:34:00.000Z');
    await admitted(g.admit([set('key', ['5r/m']), set('connection', ['100t/m'])], 12));
    expect(journal).toEqual([
      [
        { key: 'key:key-id:minute', windowStart: start, requests: 1, tokens: 12 },
        { key: 'connection:connection-id:minute', windowStart: start, requests: 1, tokens: 12 },
      ],
    ]);
    await refused(g.admit([set('connection', ['100t/m'])], 99));
    expect(journal).toHaveLength(1); // nothing charged, nothing journaled
  });

  it('journals an admission without limits as an empty change, and keeps nothing dirty', () => {
    const { gate: g, counters, journal } = gate();
    expect(g.admit([], 100)).toEqual({ counters: [], estimate: 100 });
    expect(g.admit([set('key', [])], 100)).toEqual({ counters: [], estimate: 100 });
    expect(counters.takeDirty()).toEqual([]);
    expect(journal).toEqual([[], []]);
  });

  it('hands out every counter changed since the last call, once, as copies', async () => {
    const { gate: g, counters } = gate();
    await admitted(g.admit([set('key', ['5r/m', '50r/d'])], 3));
    await admitted(g.admit([set('key', ['5r/m'])], 4));
    const dirty = counters.takeDirty();
    expect(dirty.map((r) => [r.key, r.requests, r.tokens]).sort()).toEqual([
      ['key:key-id:day', 1, 3],
      ['key:key-id:minute', 2, 7],
    ]);
    expect(counters.takeDirty()).toEqual([]);
    dirty[0]!.requests = 999;
    expect(g.used('key', 'key-id', 'day').requests).toBe(1);
    await admitted(g.admit([set('key', ['5r/m'])], 0));
    expect(counters.takeDirty().map((r) => r.key)).toEqual(['key:key-id:minute']);
  });

  it('starts from saved counters (this window counts, an older one does not) and writes them back', async () => {
    const minute = at('2024-03-10T12:34:00.000Z');
    const saved: CounterRow[] = [
      { key: counterKey('key', 'key-id', 'minute'), windowStart: minute, requests: 4, tokens: 40 },
      { key: counterKey('key', 'key-id', 'hour'), windowStart: at('2024-03-10T11:00:00.000Z'), requests: 9, tokens: 0 },
    ];
    const { gate: g, counters } = gate('2024-03-10T12:34:56.500Z', saved);
    expect(counters.takeDirty()).toEqual(saved);
    saved[0]!.requests = 0; // the counters kept their own copy
    expect(g.used('key', 'key-id', 'minute')).toEqual({ requests: 4, tokens: 40 });
    expect(g.used('key', 'key-id', 'hour')).toEqual({ requests: 0, tokens: 0 });
    await admitted(g.admit([set('key', ['5r/m', '1r/h'])], 0));
    expect((await refused(g.admit([set('key', ['5r/m'])], 0))).limit).toBe(5);
  });

  describe('reconcile', () => {
    it('journals what it changed, and nothing when the estimate was right', async () => {
      const { gate: g, journal } = gate();
      const limits = [set('key', ['1000t/m'])];
      const exact = await admitted(g.admit(limits, 50));
      g.reconcile(exact, 50);
      expect(journal).toHaveLength(1);
      const off = await admitted(g.admit(limits, 50));
      g.reconcile(off, 70);
      expect(journal).toHaveLength(3);
      expect(journal[2]).toEqual([expect.objectContaining({ requests: 2, tokens: 120 })]);
    });

    it('journals and marks dirty only the windows it could still correct', async () => {
      const { gate: g, counters, clock, journal } = gate('2024-03-10T12:34:59.000Z');
      const limits = [set('key', ['1000t/m', '1000t/h'])];
      const admission = await admitted(g.admit(limits, 50));
      clock.now = at('2024-03-10T12:35:01.000Z');
      await admitted(g.admit(limits, 10));
      counters.takeDirty();
      g.reconcile(admission, 500);
      expect(journal.at(-1)!.map((r) => [r.key, r.tokens])).toEqual([['key:key-id:hour', 510]]);
      expect(counters.takeDirty().map((r) => r.key)).toEqual(['key:key-id:hour']);

      // Only the minute was charged, and a request in the next minute has started it over: nothing to
      // correct, nothing to journal.
      const minuteOnly = await admitted(g.admit([set('key', ['1000t/m'])], 5));
      clock.now = at('2024-03-10T12:36:00.000Z');
      await admitted(g.admit([set('key', ['1000t/m'])], 1));
      counters.takeDirty();
      const journaled = journal.length;
      g.reconcile(minuteOnly, 100);
      expect(journal).toHaveLength(journaled);
      expect(counters.takeDirty()).toEqual([]);
      expect(g.used('key', 'key-id', 'minute').tokens).toBe(1);
    });
  });
});
