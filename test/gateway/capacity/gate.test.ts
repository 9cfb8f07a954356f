import { describe, expect, it } from 'vitest';
import {
  CapacityGate,
  counterKey,
  isRejection,
  type Admission,
  type CapacityLevel,
  type CapacityRejection,
  type CounterRow,
  type LimitSet,
} from '../../../src/gateway/capacity/gate.js';
import { parseLimits } from '../../../src/gateway/capacity/limits.js';

const at = (iso: string) => Date.parse(iso);

/** A gate on a clock the test moves, and what it journaled. */
function gate(now = '2024-03-10T12:34:56.500Z', saved: CounterRow[] = []) {
  const clock = { now: at(now) };
  const journal: CounterRow[][] = [];
  const g = new CapacityGate(
    () => clock.now,
    saved,
    (rows) => journal.push(rows.map((r) => ({ ...r }))),
  );
  return { gate: g, clock, journal };
}

const set = (level: CapacityLevel, specs: string[], id = `${level}-id`, name = `${level}-name`): LimitSet => ({
  level,
  id,
  name,
  limits: parseLimits(specs),
});

const admitted = (result: Admission | CapacityRejection): Admission => {
  if (isRejection(result)) throw new Error(`refused: ${result.message}`);
  return result;
};
const refused = (result: Admission | CapacityRejection): CapacityRejection => {
  if (!isRejection(result)) throw new Error('admitted');
  return result;
};

describe('CapacityGate', () => {
  describe.each<CapacityLevel>(['key', 'resource', 'connection'])('a %s limit', (level) => {
    it('admits up to its request count, then refuses naming the level, limit and window', () => {
      const { gate: g } = gate();
      const limits = [set(level, ['3r/m'])];
      for (let i = 0; i < 3; i++) admitted(g.admit(limits, 0));
      expect(refused(g.admit(limits, 0))).toEqual({
        level,
        name: `${level}-name`,
        period: 'minute',
        dimension: 'requests',
        limit: 3,
        retryAfterSeconds: 4,
        message: `capacity exceeded at ${level} level: ${level} '${level}-name' allows 3 requests per minute; retry in 4s`,
      });
      expect(g.used(level, `${level}-id`, 'minute')).toEqual({ requests: 3, tokens: 0 });
    });

    it('admits up to its token count (the estimate charged up front), then refuses', () => {
      const { gate: g } = gate();
      const limits = [set(level, ['100t/h'])];
      admitted(g.admit(limits, 60));
      admitted(g.admit(limits, 40)); // exactly at the limit is still in
      expect(refused(g.admit(limits, 1))).toMatchObject({ level, period: 'hour', dimension: 'tokens', limit: 100 });
      expect(g.used(level, `${level}-id`, 'hour')).toEqual({ requests: 2, tokens: 100 });
    });
  });

  it('refuses a request whose estimate alone is over the token limit, even in an empty window', () => {
    const { gate: g } = gate();
    expect(refused(g.admit([set('key', ['100t/m'])], 101))).toMatchObject({ dimension: 'tokens', limit: 100 });
  });

  it('checks requests before tokens for the same period', () => {
    const { gate: g } = gate();
    const limits = [set('key', ['1r/m', '10t/m'])];
    admitted(g.admit(limits, 5));
    expect(refused(g.admit(limits, 50))).toMatchObject({ dimension: 'requests' });
  });

  it('charges all levels or none: a refusal further down the list leaves the others untouched', () => {
    const { gate: g, journal } = gate();
    const limits = [set('key', ['10r/m']), set('resource', ['10r/m']), set('connection', ['1r/m'])];
    admitted(g.admit(limits, 7));
    expect(journal).toHaveLength(1);
    const refusal = refused(g.admit(limits, 7));
    expect(refusal).toMatchObject({ level: 'connection', name: 'connection-name' });
    for (const level of ['key', 'resource', 'connection'] as const)
      expect(g.used(level, `${level}-id`, 'minute'), level).toEqual({ requests: 1, tokens: 7 });
    expect(journal).toHaveLength(1); // nothing charged, nothing journaled
  });

  it('names the first limit that refuses, in the order given', () => {
    const { gate: g } = gate();
    const limits = [set('key', ['1r/m']), set('connection', ['1r/m'])];
    admitted(g.admit(limits, 0));
    expect(refused(g.admit(limits, 0)).level).toBe('key');
  });

  it('keeps limits of different entities, levels and periods apart', () => {
    const { gate: g } = gate();
    admitted(g.admit([set('key', ['1r/m'], 'a')], 0));
    admitted(g.admit([set('key', ['1r/m'], 'b')], 0));
    admitted(g.admit([set('connection', ['1r/m'], 'a')], 0));
    admitted(g.admit([set('key', ['1r/h'], 'a')], 0));
    expect(refused(g.admit([set('key', ['1r/m'], 'a')], 0)).period).toBe('minute');
  });

  it('admits with no limits at all and charges nothing', () => {
    const { gate: g, journal } = gate();
    expect(g.admit([], 100)).toEqual({ counters: [], estimate: 100 });
    expect(g.admit([set('key', [])], 100)).toEqual({ counters: [], estimate: 100 });
    expect(g.takeDirty()).toEqual([]);
    expect(journal).toEqual([[], []]);
  });

  it.each<[string, string, string, number]>([
    ['start of a minute', '1r/m', '2024-03-10T12:34:00.000Z', 60],
    ['mid-minute (3.5 s left, rounded up)', '1r/m', '2024-03-10T12:34:56.500Z', 4],
    ['last millisecond of a minute (at least 1 s)', '1r/m', '2024-03-10T12:34:59.999Z', 1],
    ['hour', '1r/h', '2024-03-10T12:59:00.000Z', 60],
    ['day', '1r/d', '2024-03-10T23:00:00.000Z', 3600],
    ['week (Sunday noon UTC)', '1r/w', '2024-03-17T12:00:00.000Z', 12 * 3600],
    ['month (leap February)', '1r/mo', '2024-02-28T00:00:00.000Z', 2 * 86_400],
    ['month (year end)', '1r/mo', '2024-12-31T23:59:30.000Z', 30],
  ])('Retry-After is the time left in the window: %s', (_case, spec, now, seconds) => {
    const { gate: g } = gate(now);
    const limits = [set('key', [spec])];
    admitted(g.admit(limits, 0));
    expect(refused(g.admit(limits, 0)).retryAfterSeconds).toBe(seconds);
  });

  it('starts over when the window rolls over, per period', () => {
    const { gate: g, clock } = gate('2024-03-10T12:34:56.500Z');
    const limits = [set('key', ['2r/m', '3r/h'])];
    admitted(g.admit(limits, 0));
    admitted(g.admit(limits, 0));
    expect(refused(g.admit(limits, 0)).period).toBe('minute');
    clock.now = at('2024-03-10T12:35:00.000Z');
    expect(g.used('key', 'key-id', 'minute')).toEqual({ requests: 0, tokens: 0 });
    admitted(g.admit(limits, 0));
    // The hour still remembers the first two.
    expect(refused(g.admit(limits, 0))).toMatchObject({ period: 'hour', retryAfterSeconds: 25 * 60 });
    clock.now = at('2024-03-10T13:00:00.000Z');
    admitted(g.admit(limits, 0));
    expect(g.used('key', 'key-id', 'hour')).toEqual({ requests: 1, tokens: 0 });
  });

  describe('reconcile', () => {
    it('replaces the estimate with the real tokens, once', () => {
      const { gate: g } = gate();
      const limits = [set('key', ['1000t/m']), set('connection', ['1000t/d'])];
      const admission = admitted(g.admit(limits, 50));
      g.reconcile(admission, 80);
      expect(g.used('key', 'key-id', 'minute').tokens).toBe(80);
      expect(g.used('connection', 'connection-id', 'day').tokens).toBe(80);
      g.reconcile(admission, 10); // a later failure path: settled already
      expect(g.used('key', 'key-id', 'minute').tokens).toBe(80);
      const second = admitted(g.admit(limits, 50));
      g.reconcile(second, 0); // a failed attempt gives its estimate back
      expect(g.used('key', 'key-id', 'minute')).toEqual({ requests: 2, tokens: 80 });
    });

    it('frees room for the next request', () => {
      const { gate: g } = gate();
      const limits = [set('key', ['100t/m'])];
      const first = admitted(g.admit(limits, 90));
      refused(g.admit(limits, 20));
      g.reconcile(first, 30);
      admitted(g.admit(limits, 20));
    });

    it('never goes below zero', () => {
      const { gate: g } = gate();
      const admission = admitted(g.admit([set('key', ['100t/m'])], 50));
      // Defensive: whatever lowered the window's count meanwhile, giving back the estimate stops at 0.
      admission.counters[0]!.tokens = 20;
      g.reconcile(admission, 0);
      expect(g.used('key', 'key-id', 'minute').tokens).toBe(0);
    });

    it('leaves a window that rolled over since the admission alone', () => {
      const { gate: g, clock, journal } = gate('2024-03-10T12:34:59.000Z');
      const limits = [set('key', ['1000t/m', '1000t/h'])];
      const admission = admitted(g.admit(limits, 50));
      clock.now = at('2024-03-10T12:35:01.000Z');
      admitted(g.admit(limits, 10));
      g.takeDirty();
      g.reconcile(admission, 500);
      expect(g.used('key', 'key-id', 'minute').tokens).toBe(10); // the new minute: never charged for it
      expect(g.used('key', 'key-id', 'hour').tokens).toBe(510);
      expect(journal.at(-1)!.map((r) => [r.key, r.tokens])).toEqual([['key:key-id:hour', 510]]);
      expect(g.takeDirty().map((r) => r.key)).toEqual(['key:key-id:hour']);

      // Only the minute was charged, and a request in the next minute has started it over: nothing to
      // correct, nothing to journal.
      const minuteOnly = admitted(g.admit([set('key', ['1000t/m'])], 5));
      clock.now = at('2024-03-10T12:36:00.000Z');
      admitted(g.admit([set('key', ['1000t/m'])], 1));
      g.takeDirty();
      const journaled = journal.length;
      g.reconcile(minuteOnly, 100);
      expect(journal).toHaveLength(journaled);
      expect(g.takeDirty()).toEqual([]);
      expect(g.used('key', 'key-id', 'minute').tokens).toBe(1);
    });

    it('journals what it changed, and nothing when the estimate was right', () => {
      const { gate: g, journal } = gate();
      const limits = [set('key', ['1000t/m'])];
      const exact = admitted(g.admit(limits, 50));
      g.reconcile(exact, 50);
      expect(journal).toHaveLength(1);
      const off = admitted(g.admit(limits, 50));
      g.reconcile(off, 70);
      expect(journal).toHaveLength(3);
      expect(journal[2]).toEqual([expect.objectContaining({ requests: 2, tokens: 120 })]);
    });
  });

  describe('journal and takeDirty', () => {
    it('journals each admission with the counters as charged, before it returns', () => {
      const { gate: g, journal } = gate();
      const start = at('2024-03-10T12:34:00.000Z');
      admitted(g.admit([set('key', ['5r/m']), set('connection', ['100t/m'])], 12));
      expect(journal).toEqual([
        [
          { key: 'key:key-id:minute', windowStart: start, requests: 1, tokens: 12 },
          { key: 'connection:connection-id:minute', windowStart: start, requests: 1, tokens: 12 },
        ],
      ]);
      refused(g.admit([set('connection', ['100t/m'])], 99));
      expect(journal).toHaveLength(1);
    });

    it('hands out every counter changed since the last call, once, as copies', () => {
      const { gate: g } = gate();
      admitted(g.admit([set('key', ['5r/m', '50r/d'])], 3));
      admitted(g.admit([set('key', ['5r/m'])], 4));
      const dirty = g.takeDirty();
      expect(dirty.map((r) => [r.key, r.requests, r.tokens]).sort()).toEqual([
        ['key:key-id:day', 1, 3],
        ['key:key-id:minute', 2, 7],
      ]);
      expect(g.takeDirty()).toEqual([]);
      dirty[0]!.requests = 999;
      expect(g.used('key', 'key-id', 'day').requests).toBe(1);
      admitted(g.admit([set('key', ['5r/m'])], 0));
      expect(g.takeDirty().map((r) => r.key)).toEqual(['key:key-id:minute']);
    });

    it('starts from saved counters (this window counts, an older one does not) and writes them back', () => {
      const minute = at('2024-03-10T12:34:00.000Z');
      const saved: CounterRow[] = [
        { key: counterKey('key', 'key-id', 'minute'), windowStart: minute, requests: 4, tokens: 40 },
        {
          key: counterKey('key', 'key-id', 'hour'),
          windowStart: at('2024-03-10T11:00:00.000Z'),
          requests: 9,
          tokens: 0,
        },
      ];
      const { gate: g } = gate('2024-03-10T12:34:56.500Z', saved);
      expect(g.takeDirty()).toEqual(saved);
      saved[0]!.requests = 0; // the gate kept its own copy
      expect(g.used('key', 'key-id', 'minute')).toEqual({ requests: 4, tokens: 40 });
      expect(g.used('key', 'key-id', 'hour')).toEqual({ requests: 0, tokens: 0 });
      admitted(g.admit([set('key', ['5r/m', '1r/h'])], 0));
      expect(refused(g.admit([set('key', ['5r/m'])], 0)).limit).toBe(5);
    });
  });

  it('names counters level:id:period', () => {
    expect(counterKey('resource', 'r-1', 'week')).toBe('resource:r-1:week');
  });
});
