import { describe, expect, it } from 'vitest';
import { ErrorRates, type MinuteCount } from '../../../src/gateway/health/error-rates.js';

const T = Date.parse('2024-03-10T12:34:30.000Z');
const minute = Math.floor(T / 60_000);
const count = (m: number, status: number, n: number, connectionId = 'c'): MinuteCount => ({
  resourceId: 'r',
  connectionId,
  model: 'm',
  minute: m,
  status,
  count: n,
});

describe('ErrorRates.replaceMinutes', () => {
  it('replaces the minutes given, in every series, and leaves the others', () => {
    const clock = { now: T };
    const rates = new ErrorRates(() => clock.now);
    rates.record('r', 'c', 'm', 500, T - 120_000); // two minutes ago: kept
    rates.record('r', 'c', 'm', 500, T); // this minute: replaced
    rates.record('r', 'other', 'm', 500, T); // this minute of another series: replaced by nothing
    rates.replaceMinutes(minute - 1, minute, [
      count(minute - 1, 200, 2),
      count(minute, 429, 1),
      count(minute - 5, 500, 9),
      count(minute + 1, 500, 9),
    ]);
    expect(rates.rate('r', 'c', 'm', 1)).toBe(100); // the 429
    expect(rates.rate('r', 'c', 'm', 2)).toBe(((0 + 1) / 3) * 100);
    expect(rates.rate('r', 'c', 'm', 3)).toBe(50); // + the kept 500 from two minutes ago
    expect(rates.rate('r', 'c', 'm', 3, 429)).toBe(25);
    expect(rates.rate('r', 'other', 'm', 5)).toBe(0);
    // A count outside the minutes replaced is not taken: that minute was not replaced.
    expect(rates.rate('r', 'c', 'm', 10)).toBe(50);
    clock.now = T + 60_000;
    expect(rates.rate('r', 'c', 'm', 1)).toBe(0); // nor a minute after them
  });
});
