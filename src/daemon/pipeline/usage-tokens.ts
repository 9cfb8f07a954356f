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

/** OpenAI Responses usage (`input_tokens` includes cached ones, as in Chat). */
export function responsesUsage(usage: Record<string, unknown> | null | undefined): TokenUsage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const input = num(usage.input_tokens);
  const output = num(usage.output_tokens);
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: num(usage.total_tokens) ?? (input !== null && output !== null ? input + output : null),
    cachedTokens: num((usage.input_tokens_details as Record<string, unknown> | undefined)?.cached_tokens),
    cacheWriteTokens: null,
  };
}

/**
 * Anthropic usage. Its `input_tokens` leaves out cache reads and writes; vmx counts all input, as
 * OpenAI does, so the three are added (cache reads also reported as cached, writes as cache writes).
 */
export function anthropicUsage(usage: Record<string, unknown> | null | undefined): TokenUsage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const base = num(usage.input_tokens);
  const read = num(usage.cache_read_input_tokens);
  const write = num(usage.cache_creation_input_tokens);
  const input = base === null ? null : base + (read ?? 0) + (write ?? 0);
  const output = num(usage.output_tokens);
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: input !== null && output !== null ? input + output : null,
    cachedTokens: read,
    cacheWriteTokens: write,
  };
}

/** Merges partial usage seen over a stream (Anthropic sends input at the start, output at the end). */
export function mergeUsage(a: TokenUsage | undefined, b: TokenUsage | undefined): TokenUsage | undefined {
  if (!a) return b;
  if (!b) return a;
  const pick = (x: number | null, y: number | null) => y ?? x;
  const merged: TokenUsage = {
    inputTokens: pick(a.inputTokens, b.inputTokens),
    outputTokens: pick(a.outputTokens, b.outputTokens),
    totalTokens: null,
    cachedTokens: pick(a.cachedTokens, b.cachedTokens),
    cacheWriteTokens: pick(a.cacheWriteTokens, b.cacheWriteTokens),
  };
  merged.totalTokens = merged.inputTokens !== null && merged.outputTokens !== null ? merged.inputTokens + merged.outputTokens : null;
  return merged;
}

/** The pivot's usage as a usage row's columns. */
export function pivotUsage(usage: { inputTokens?: number; outputTokens?: number; cachedInputTokens?: number; cacheWriteTokens?: number } | undefined): TokenUsage | undefined {
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
