import { describe, expect, it } from 'vitest';
import { formatCount } from '../../../src/cli/io/output.js';

describe('formatCount', () => {
  it('writes a whole number as toLocaleString("en-US") does', () => {
    const counts = [0, 7, 999, 1000, -1000, 12_345, 999_999, 1_000_000, 123_456_789, 2 ** 53 - 1, -(2 ** 40)];
    for (const count of counts) expect(formatCount(count)).toBe(count.toLocaleString('en-US'));
  });
});
