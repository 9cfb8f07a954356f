import type { PivotUsage } from '../../../providers/pivot.js';

/** Token counts of one attempt as a usage row stores them (null: the provider did not say). */
export interface TokenUsage {
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  cachedTokens: number | null;
  cacheWriteTokens: number | null;
}

/**
 * Usage as read by a dialect's reader (providers/dialects/<id>/usage.ts), whether the answer was
 * relayed or converted, as a usage row's columns.
 */
export function usageRow(usage: PivotUsage | undefined): TokenUsage | undefined {
  if (!usage) return undefined;
  const input = usage.inputTokens ?? null;
  const output = usage.outputTokens ?? null;
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: input !== null && output !== null ? input + output : null,
    cachedTokens: usage.cachedInputTokens ?? null,
    cacheWriteTokens: usage.cacheWriteTokens ?? null,
  };
}
