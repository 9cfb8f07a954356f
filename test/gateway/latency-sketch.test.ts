import { describe, expect, it } from 'vitest';
import { bucketOf, bucketValue, quantile, type Sketch } from '../../src/gateway/latency-sketch.js';

describe('latency sketch', () => {
  it('reports any duration within 1%', () => {
    for (const ms of [0.02, 0.4, 1, 1.5, 7, 99, 100, 101, 1234.5, 60_000, 3_600_000]) {
      expect(Math.abs(bucketValue(bucketOf(ms)) - ms) / ms).toBeLessThan(0.01);
    }
    expect(bucketValue(bucketOf(0))).toBe(0);
    expect(bucketValue(bucketOf(0.001))).toBe(0);
  });

  it('takes nearest-rank quantiles', () => {
    const sketch: Sketch = {};
    for (let ms = 1; ms <= 100; ms++) sketch[bucketOf(ms)] = (sketch[bucketOf(ms)] ?? 0) + 1;
    expect(Math.abs(quantile(sketch, 0.5)! - 50) / 50).toBeLessThan(0.01);
    expect(Math.abs(quantile(sketch, 0.95)! - 95) / 95).toBeLessThan(0.01);
    expect(quantile({}, 0.5)).toBeNull();
  });
});
