import { describe, expect, it } from 'vitest';
import { formatMoment, formatNumber, humanValue, relativeTime, zoneLabel } from '../../../src/cli/io/human-values.js';

describe('human values', () => {
  it('round numbers as far as a reader needs', () => {
    expect(formatNumber(0.004888999999820953)).toBe('0.005');
    expect(formatNumber(0.0000123)).toBe('0.00001');
    expect(formatNumber(12.3456)).toBe('12.35');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(1234567)).toBe('1234567');
    expect(formatNumber(-0.25)).toBe('-0.25');
    expect(humanValue({ routingMs: 0.004888999999820953, totalMs: 950 })).toBe('routingMs: 0.005, totalMs: 950');
  });

  it('say how long ago or how far ahead a time is', () => {
    const now = Date.parse('2026-12-01T21:04:00Z');
    expect(relativeTime(now - 10_000, now)).toBe('just now');
    expect(relativeTime(now - 3 * 60_000, now)).toBe('3 min ago');
    expect(relativeTime(now - 5 * 3_600_000, now)).toBe('5 h ago');
    expect(relativeTime(now - 86_400_000, now)).toBe('1 day ago');
    expect(relativeTime(now + 30 * 86_400_000, now)).toBe('in 30 days');
    expect(relativeTime(now - 400 * 86_400_000, now)).toBe('13 months ago');
  });

  it('print times in the local zone, labelled, with the relative form', () => {
    const at = Date.parse('2026-12-01T21:01:00Z');
    const local = new Date(at);
    const p = (n: number) => String(n).padStart(2, '0');
    const clock = `${local.getFullYear()}-${p(local.getMonth() + 1)}-${p(local.getDate())} ${p(local.getHours())}:${p(local.getMinutes())}`;
    expect(formatMoment(at, at + 180_000)).toBe(`${clock} ${zoneLabel(local)} (3 min ago)`);
    expect(humanValue('2026-12-01T21:01:00.000Z', at + 180_000)).toBe(`${clock} ${zoneLabel(local)} (3 min ago)`);
    expect(zoneLabel(local)).toMatch(/^UTC([+-]\d{1,2}(:\d\d)?)?$/);
    // Text that only looks like a date stays as it is.
    expect(humanValue('2026-12-01')).toBe('2026-12-01');
  });
});
