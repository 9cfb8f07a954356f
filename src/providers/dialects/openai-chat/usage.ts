/**
 * The one reader of OpenAI Chat usage, for the codec (converted answers) and the passthrough relay
 * alike, so both record the same row for the same upstream numbers. `prompt_tokens` already counts
 * every input token (the pivot's convention); `cached_tokens` is the cache-read share,
 * `cache_write_tokens` the cache-write share, `reasoning_tokens` the reasoning share of the output.
 */
import type { PivotUsage } from '../../pivot.js';
import { asNumber, asRecord } from '../wire-read.js';

/** Chat `usage` → pivot usage; numbers the provider did not send stay undefined. */
export function readChatUsage(raw: unknown): PivotUsage | undefined {
  const usage = asRecord(raw);
  if (!usage) return undefined;
  const prompt = asRecord(usage.prompt_tokens_details);
  const completion = asRecord(usage.completion_tokens_details);
  const out: PivotUsage = {};
  const set = (key: keyof PivotUsage, value: unknown) => {
    const n = asNumber(value);
    if (n !== undefined) out[key] = n;
  };
  set('inputTokens', usage.prompt_tokens);
  set('outputTokens', usage.completion_tokens);
  set('cachedInputTokens', prompt?.cached_tokens);
  set('cacheWriteTokens', prompt?.cache_write_tokens);
  set('reasoningTokens', completion?.reasoning_tokens);
  return out;
}

/** The usage of a whole answer or of one stream chunk: `usage`, or Groq's `x_groq.usage` on its last chunk. */
export function chatBodyUsage(body: Record<string, unknown>): PivotUsage | undefined {
  return readChatUsage(body.usage ?? asRecord(body.x_groq)?.usage);
}
