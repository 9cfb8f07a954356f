import type { UsageDimension, UsageTotals } from '../../../store/repos/usage.js';

export type UsageRow = Partial<Record<UsageDimension, string | null>> & UsageTotals;

const TOTAL_FIELDS = ['requests', 'errors', 'inputTokens', 'outputTokens', 'cachedTokens', 'totalTokens'] as const;

/**
 * Rows grouped by more dimensions than wanted (the extra ones only served a filter), summed back
 * down to `by`. Input order is kept: rows arrive sorted by `by` first, so the first occurrence of
 * each group is in order.
 */
export function regroup(rows: UsageRow[], by: UsageDimension[]): UsageRow[] {
  const groups = new Map<string, UsageRow>();
  for (const row of rows) {
    const key = JSON.stringify(by.map((d) => row[d] ?? null));
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { ...Object.fromEntries(by.map((d) => [d, row[d] ?? null])), ...totalsOf(row) } as UsageRow);
      continue;
    }
    for (const field of TOTAL_FIELDS) group[field] += row[field] ?? 0;
  }
  return [...groups.values()];
}

/** The sum over all rows. */
export function grandTotal(rows: UsageTotals[]): UsageTotals {
  const total = totalsOf({} as UsageTotals);
  for (const row of rows) for (const field of TOTAL_FIELDS) total[field] += row[field] ?? 0;
  return total;
}

function totalsOf(row: Partial<UsageTotals>): UsageTotals {
  return Object.fromEntries(TOTAL_FIELDS.map((f) => [f, Number(row[f] ?? 0)])) as unknown as UsageTotals;
}
