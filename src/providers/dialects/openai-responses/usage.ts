/**
 * The one reader of OpenAI Responses usage, for the codec and the passthrough relay alike.
 * `input_tokens` already includes `cached_tokens` and `cache_write_tokens` (the pivot's convention).
 */
import type { PivotUsage } from '../../pivot.js';
import { isRecord, optNumber } from '../wire-read.js';

/** Responses usage → pivot usage; numbers the provider did not send stay undefined. */
export function readResponsesUsage(usage: unknown): PivotUsage {
  if (!isRecord(usage)) return {};
  const input = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const output = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {};
  const out: PivotUsage = {};
  const set = (key: keyof PivotUsage, value: unknown): void => {
    const n = optNumber(value);
    if (n !== undefined) out[key] = n;
  };
  set('inputTokens', usage.input_tokens);
  set('outputTokens', usage.output_tokens);
  set('cachedInputTokens', input.cached_tokens);
  set('cacheWriteTokens', input.cache_write_tokens);
  set('reasoningTokens', output.reasoning_tokens);
  return out;
}
