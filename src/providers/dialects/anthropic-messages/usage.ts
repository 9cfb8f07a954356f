/**
 * The one reader of Anthropic usage, for the codec and the passthrough relay alike. Anthropic's
 * `input_tokens` EXCLUDES cache reads and writes; the pivot's `inputTokens` includes them (as OpenAI's
 * `prompt_tokens` does), so the three are added. In a stream, `message_start` carries the input counts
 * and `message_delta` the cumulative final ones (often only `output_tokens`).
 */
import type { PivotUsage } from '../../pivot.js';
import { asNumber, asRecord } from '../wire-read.js';

/**
 * Anthropic `usage` → pivot usage. `base` supplies numbers a partial usage lacks (a stream's
 * message_delta may carry only `output_tokens`; input counts then come from message_start).
 */
export function readAnthropicUsage(raw: unknown, base: PivotUsage = {}): PivotUsage {
  const usage = asRecord(raw) ?? {};
  const input = asNumber(usage.input_tokens);
  const read = asNumber(usage.cache_read_input_tokens) ?? base.cachedInputTokens;
  const write = asNumber(usage.cache_creation_input_tokens) ?? base.cacheWriteTokens;
  const out: PivotUsage = { ...base };
  if (input !== undefined) out.inputTokens = input + (read ?? 0) + (write ?? 0);
  if (read !== undefined) out.cachedInputTokens = read;
  if (write !== undefined) out.cacheWriteTokens = write;
  const output = asNumber(usage.output_tokens);
  if (output !== undefined) out.outputTokens = output;
  const thinking = asNumber(asRecord(usage.output_tokens_details)?.thinking_tokens);
  if (thinking !== undefined) out.reasoningTokens = thinking;
  return out;
}
