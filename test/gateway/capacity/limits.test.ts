import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { capacitySchema, formatLimits, parseLimits, type Capacity } from '../../../src/gateway/capacity/limits.js';

describe('--limit specs', () => {
  it.each<[string[], Capacity[]]>([
    [['100r/m'], [{ period: 'minute', requests: 100 }]],
    [['100000t/m'], [{ period: 'minute', tokens: 100_000 }]],
    [['5000r/h'], [{ period: 'hour', requests: 5000 }]],
    [['2000000t/d'], [{ period: 'day', tokens: 2_000_000 }]],
    [['7r/w'], [{ period: 'week', requests: 7 }]],
    [['1000r/mo'], [{ period: 'month', requests: 1000 }]],
    [['1t/mo'], [{ period: 'month', tokens: 1 }]],
    // requests and tokens of one period make one entry
    [['100r/m', '100000t/m'], [{ period: 'minute', requests: 100, tokens: 100_000 }]],
    [['100000t/m', '100r/m'], [{ period: 'minute', requests: 100, tokens: 100_000 }]],
    // entries come out in period order, whatever the order given
    [
      ['9r/mo', '1r/d', '2r/m', '3t/w', '4t/h'],
      [
        { period: 'minute', requests: 2 },
        { period: 'hour', tokens: 4 },
        { period: 'day', requests: 1 },
        { period: 'week', tokens: 3 },
        { period: 'month', requests: 9 },
      ],
    ],
    // blanks inside and around are ignored
    [[' 10 r / m '], [{ period: 'minute', requests: 10 }]],
    [['none'], []],
    [[], []],
  ])('%j', (specs, expected) => {
    expect(parseLimits(specs)).toEqual(expected);
  });

  it.each<[string[], string]>([
    [['10/m'], "invalid --limit '10/m': expected <count><r|t>/<m|h|d|w|mo>"],
    [['10x/m'], "invalid --limit '10x/m': expected"],
    [['10r/year'], "invalid --limit '10r/year': expected"],
    [['10r/s'], "invalid --limit '10r/s': expected"],
    [['r/m'], "invalid --limit 'r/m': expected"],
    [['10R/M'], "invalid --limit '10R/M': expected"],
    [['-1r/m'], "invalid --limit '-1r/m': expected"],
    [['1.5r/m'], "invalid --limit '1.5r/m': expected"],
    [['10r/m,5t/m'], "invalid --limit '10r/m,5t/m': expected"],
    [[''], "invalid --limit '': expected"],
    [['0r/m'], "invalid --limit '0r/m': count must be positive"],
    [['99999999999999999999r/m'], "invalid --limit '99999999999999999999r/m': count must be positive"],
    [['1r/m', '2r/m'], "invalid --limit '2r/m': requests per minute given twice"],
    [['1t/mo', '1r/mo', '2t/mo'], "invalid --limit '2t/mo': tokens per month given twice"],
    // `none` means no limits only on its own
    [['none', '1r/m'], "invalid --limit 'none': expected"],
    [['none', 'none'], "invalid --limit 'none': expected"],
    [['None'], "invalid --limit 'None': expected"],
  ])('refuses %j', (specs, message) => {
    let error: unknown;
    try {
      parseLimits(specs);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain(message);
    expect((error as UsageError).exitCode).toBe(2);
  });

  it.each<[Capacity[], string[]]>([
    [[], []],
    [[{ period: 'minute', requests: 100 }], ['100r/m']],
    [[{ period: 'minute', requests: 100, tokens: 100_000 }], ['100r/m', '100000t/m']],
    [
      [
        { period: 'hour', tokens: 4 },
        { period: 'week', requests: 3, tokens: 30 },
        { period: 'month', requests: 9 },
      ],
      ['4t/h', '3r/w', '30t/w', '9r/mo'],
    ],
  ])('formats %j as %j, which parses back to the same entries', (capacity, specs) => {
    expect(formatLimits(capacity)).toEqual(specs);
    expect(parseLimits(formatLimits(capacity))).toEqual(capacity);
  });

  it('round-trips any spelling to one canonical form', () => {
    const canonical = formatLimits(parseLimits(['5t/d', ' 1 r / mo', '2r/m', '3t/m', '4r/d']));
    expect(canonical).toEqual(['2r/m', '3t/m', '4r/d', '5t/d', '1r/mo']);
    expect(formatLimits(parseLimits(canonical))).toEqual(canonical);
  });

  it.each([
    [{ period: 'minute', requests: 1 }, true],
    [{ period: 'month', tokens: 1, requests: 2 }, true],
    [{ period: 'minute' }, false], // neither requests nor tokens
    [{ period: 'minute', requests: 0 }, false],
    [{ period: 'minute', requests: 1.5 }, false],
    [{ period: 'second', requests: 1 }, false],
    [{ period: 'minute', requests: 1, burst: 2 }, false], // strict: stored rows carry nothing else
  ])('the stored form %j is %s', (value, ok) => {
    expect(capacitySchema.safeParse(value).success).toBe(ok);
  });
});
