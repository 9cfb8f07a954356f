import { afterEach, describe, expect, it } from 'vitest';
import { periods, type Period } from '../../../src/gateway/capacity/limits.js';
import { windowOf } from '../../../src/gateway/capacity/windows.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const window = (period: Period, now: string) => {
  const { start, end } = windowOf(period, at(now));
  return [iso(start), iso(end)];
};

describe('calendar windows (UTC)', () => {
  it.each<[Period, string, string, string]>([
    // minute: from :00 to the next :00
    ['minute', '2024-03-10T12:34:56.789Z', '2024-03-10T12:34:00.000Z', '2024-03-10T12:35:00.000Z'],
    ['minute', '2024-03-10T12:34:00.000Z', '2024-03-10T12:34:00.000Z', '2024-03-10T12:35:00.000Z'],
    ['minute', '2024-03-10T12:34:59.999Z', '2024-03-10T12:34:00.000Z', '2024-03-10T12:35:00.000Z'],
    ['minute', '2024-12-31T23:59:30.000Z', '2024-12-31T23:59:00.000Z', '2025-01-01T00:00:00.000Z'],
    // hour: top of the hour to the next
    ['hour', '2024-03-10T12:34:56.789Z', '2024-03-10T12:00:00.000Z', '2024-03-10T13:00:00.000Z'],
    ['hour', '2024-03-10T13:00:00.000Z', '2024-03-10T13:00:00.000Z', '2024-03-10T14:00:00.000Z'],
    ['hour', '2024-12-31T23:59:59.999Z', '2024-12-31T23:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    // day: midnight UTC to midnight UTC, leap day included
    ['day', '2024-03-10T12:34:56.789Z', '2024-03-10T00:00:00.000Z', '2024-03-11T00:00:00.000Z'],
    ['day', '2024-02-28T23:59:59.999Z', '2024-02-28T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
    ['day', '2024-02-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['day', '2023-02-28T12:00:00.000Z', '2023-02-28T00:00:00.000Z', '2023-03-01T00:00:00.000Z'],
    ['day', '2024-12-31T12:00:00.000Z', '2024-12-31T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    // week: Monday 00:00 UTC to the next Monday
    ['week', '2024-03-11T00:00:00.000Z', '2024-03-11T00:00:00.000Z', '2024-03-18T00:00:00.000Z'], // a Monday
    ['week', '2024-03-17T23:59:59.999Z', '2024-03-11T00:00:00.000Z', '2024-03-18T00:00:00.000Z'], // its Sunday
    ['week', '2024-03-31T12:00:00.000Z', '2024-03-25T00:00:00.000Z', '2024-04-01T00:00:00.000Z'], // month end
    ['week', '2024-02-29T12:00:00.000Z', '2024-02-26T00:00:00.000Z', '2024-03-04T00:00:00.000Z'], // leap day
    ['week', '2024-12-31T12:00:00.000Z', '2024-12-30T00:00:00.000Z', '2025-01-06T00:00:00.000Z'], // year end
    ['week', '2025-01-01T00:00:00.000Z', '2024-12-30T00:00:00.000Z', '2025-01-06T00:00:00.000Z'],
    ['week', '2025-01-06T00:00:00.000Z', '2025-01-06T00:00:00.000Z', '2025-01-13T00:00:00.000Z'],
    ['week', '1970-01-01T00:00:00.000Z', '1969-12-29T00:00:00.000Z', '1970-01-05T00:00:00.000Z'], // a Thursday
    // month: the 1st 00:00 UTC to the next 1st, 28 to 31 days long
    ['month', '2024-02-15T12:00:00.000Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['month', '2024-02-29T23:59:59.999Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['month', '2023-02-28T23:59:59.999Z', '2023-02-01T00:00:00.000Z', '2023-03-01T00:00:00.000Z'],
    ['month', '2024-03-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z', '2024-04-01T00:00:00.000Z'],
    ['month', '2024-01-31T23:59:59.999Z', '2024-01-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z'],
    ['month', '2024-04-30T12:00:00.000Z', '2024-04-01T00:00:00.000Z', '2024-05-01T00:00:00.000Z'],
    ['month', '2024-12-31T23:59:59.999Z', '2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    ['month', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z'],
  ])('%s at %s: [%s, %s)', (period, now, start, end) => {
    expect(window(period, now)).toEqual([start, end]);
  });

  it('tiles time: each instant is in exactly one window, and a window ends where the next begins', () => {
    // 2023-12-25 (a Monday) to 2024-03-05, in steps of 21.6 h (no multiple of any period).
    const from = at('2023-12-25T00:00:00.000Z');
    const to = at('2024-03-05T00:00:00.000Z');
    for (const period of periods) {
      for (let now = from; now < to; now += 77_777_777) {
        const { start, end } = windowOf(period, now);
        expect(start, `${period} at ${iso(now)}`).toBeLessThanOrEqual(now);
        expect(end, `${period} at ${iso(now)}`).toBeGreaterThan(now);
        expect(windowOf(period, start)).toEqual({ start, end });
        expect(windowOf(period, end - 1)).toEqual({ start, end });
        expect(windowOf(period, end).start).toBe(end);
      }
    }
  });

  describe('whatever the local time zone', () => {
    const saved = process.env.TZ;
    afterEach(() => {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    });

    // Sunday 23:30 UTC on the last day of a month and a year is already Monday, the 1st, the new year at
    // UTC+14 (Kiritimati), and still Sunday afternoon at UTC-10 (Honolulu).
    const now = at('2023-12-31T23:30:00.000Z');
    const expected = {
      minute: ['2023-12-31T23:30:00.000Z', '2023-12-31T23:31:00.000Z'],
      hour: ['2023-12-31T23:00:00.000Z', '2024-01-01T00:00:00.000Z'],
      day: ['2023-12-31T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
      week: ['2023-12-25T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
      month: ['2023-12-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
    } satisfies Record<Period, string[]>;

    it.each(['UTC', 'Pacific/Kiritimati', 'Pacific/Honolulu', 'Asia/Kolkata'])('TZ=%s', (zone) => {
      process.env.TZ = zone;
      // The zone is in effect for this process (Node re-reads TZ when it changes).
      if (zone === 'Pacific/Kiritimati') expect(new Date(now).getDate()).toBe(1);
      for (const period of periods) {
        const { start, end } = windowOf(period, now);
        expect([iso(start), iso(end)], period).toEqual(expected[period]);
      }
    });
  });
});
