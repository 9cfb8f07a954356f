/** Token counts of one attempt, whatever the provider's usage shape. */
export interface TokenUsage {
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  cachedTokens: number | null;
  cacheWriteTokens: number | null;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/**
 * OpenAI chat usage (`usage.prompt_tokens` …, cached in `prompt_tokens_details.cached_tokens`); Groq
 * puts the same object under `x_groq.usage` on its last chunk.
 */
export function chatUsage(body: Record<string, unknown>): TokenUsage | undefined {
  const usage = (body.usage ?? (body.x_groq as { usage?: unknown } | undefined)?.usage) as Record<string, unknown> | null | undefined;
  if (!usage || typeof usage !== 'object') return undefined;
  const input = num(usage.prompt_tokens);
  const output = num(usage.completion_tokens);
  const details = usage.prompt_tokens_details as Record<string, unknown> | undefined;
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: num(usage.total_tokens) ?? (input !== null && output !== null ? input + output : null),
    cachedTokens: num(details?.cached_tokens),
    cacheWriteTokens: null,
  };
}
