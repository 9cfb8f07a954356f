import { z } from 'zod';
import { UsageError } from '../../errors.js';

/**
 * Capacity limits: `{ period, requests?, tokens? }` at connection, resource and key level. Windows are
 * fixed calendar windows in UTC; the daemon's gate enforces them.
 */
export const periods = ['minute', 'hour', 'day', 'week', 'month'] as const;
export type Period = (typeof periods)[number];

export const capacitySchema = z
  .object({
    period: z.enum(periods),
    requests: z.number().int().positive().optional(),
    tokens: z.number().int().positive().optional(),
  })
  .strict()
  .refine((c) => c.requests !== undefined || c.tokens !== undefined, 'needs requests or tokens');
export type Capacity = z.infer<typeof capacitySchema>;

const unitToPeriod: Record<string, Period> = { m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month' };
const periodToUnit = Object.fromEntries(Object.entries(unitToPeriod).map(([u, p]) => [p, u])) as Record<Period, string>;

const LIMIT = /^(\d+)(r|t)\/(mo|m|h|d|w)$/;

/**
 * Parses `--limit` specs (`100r/m`, `100000t/m`, `5000r/h`, `2000000t/d`, `1000r/mo`) into capacity
 * entries, one per period; `none` (alone) means no limits. The same dimension twice for one period is
 * refused rather than silently overwritten.
 */
export function parseLimits(specs: string[]): Capacity[] {
  if (specs.length === 1 && specs[0] === 'none') return [];
  const byPeriod = new Map<Period, Capacity>();
  for (const spec of specs) {
    const match = LIMIT.exec(spec.trim().replace(/\s+/g, ''));
    if (!match) {
      throw new UsageError(
        `invalid --limit '${spec}': expected <count><r|t>/<m|h|d|w|mo>, e.g. 100r/m or 100000t/d (or 'none')`,
      );
    }
    const count = Number(match[1]);
    if (!Number.isSafeInteger(count) || count <= 0)
      throw new UsageError(`invalid --limit '${spec}': count must be positive`);
    const period = unitToPeriod[match[3]!]!;
    const dimension = match[2] === 'r' ? 'requests' : 'tokens';
    const entry = byPeriod.get(period) ?? { period };
    if (entry[dimension] !== undefined)
      throw new UsageError(`invalid --limit '${spec}': ${dimension} per ${period} given twice`);
    entry[dimension] = count;
    byPeriod.set(period, entry);
  }
  return periods.filter((p) => byPeriod.has(p)).map((p) => byPeriod.get(p)!);
}

/** The `--limit` spelling of capacity entries, e.g. `['100r/m', '100000t/m']`. */
export function formatLimits(capacity: readonly Capacity[]): string[] {
  return capacity.flatMap((c) => {
    const unit = periodToUnit[c.period];
    return [
      ...(c.requests !== undefined ? [`${c.requests}r/${unit}`] : []),
      ...(c.tokens !== undefined ? [`${c.tokens}t/${unit}`] : []),
    ];
  });
}
