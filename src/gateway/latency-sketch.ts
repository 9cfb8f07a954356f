/**
 * Durations kept as counts per logarithmic bucket, so percentiles can be taken over any mix of raw
 * rows and hourly roll-ups and give the same answer either way. Each bucket spans 2% (a value is
 * reported within 1% of the truth); a bucket is named by its index, and one bucket holds every
 * duration too short to matter (under 10 µs), reported as 0.
 *
 * Stored as JSON text (`{"312":4,"330":1}`): merging is adding counts per index.
 */
export type Sketch = Record<string, number>;

const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);

/** Below every real bucket: 10 µs is bucket -233. */
const ZERO = -1000;

/** The bucket of a duration in milliseconds. */
export function bucketOf(ms: number): number {
  if (!(ms >= 0.01)) return ZERO;
  return Math.ceil(Math.log(ms) / LOG_GAMMA);
}

/** What a bucket reports: the middle of its span, so the error is at most 1% either way. */
export function bucketValue(index: number): number {
  if (index <= ZERO) return 0;
  return (2 * GAMMA ** index) / (GAMMA + 1);
}

export function addTo(sketch: Sketch, ms: number | null | undefined, count = 1): void {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return;
  const index = bucketOf(ms);
  sketch[index] = (sketch[index] ?? 0) + count;
}

export function mergeInto(target: Sketch, source: Sketch): Sketch {
  for (const index in source) target[index] = (target[index] ?? 0) + source[index]!;
  return target;
}

export const parseSketch = (text: string | null | undefined): Sketch => (text ? (JSON.parse(text) as Sketch) : {});

/** Merges two stored sketches (JSON text); registered as an SQL function for roll-up upserts. */
export function mergeText(a: string | null, b: string | null): string {
  if (!a || a === '{}') return b ?? '{}';
  if (!b || b === '{}') return a;
  return JSON.stringify(mergeInto(parseSketch(a), parseSketch(b)));
}

/** Nearest-rank quantile (0 < q ≤ 1) in milliseconds, or null when the sketch is empty. */
export function quantile(sketch: Sketch, q: number): number | null {
  const indexes = Object.keys(sketch)
    .map(Number)
    .sort((a, b) => a - b);
  let total = 0;
  for (const index of indexes) total += sketch[index]!;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const index of indexes) {
    seen += sketch[index]!;
    if (seen >= rank) return bucketValue(index);
  }
  return bucketValue(indexes[indexes.length - 1]!);
}
