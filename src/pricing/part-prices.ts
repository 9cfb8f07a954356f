/** Token counts of one attempt, as vmx records them (OpenAI's convention, see `splitTokens`). */
export interface AttemptTokens {
  /** All input tokens, cache reads and cache writes included. */
  inputTokens: number | null;
  outputTokens: number | null;
  /** Cache reads, a subset of `inputTokens`. */
  cachedTokens: number | null;
  /** Cache writes, a subset of `inputTokens`. */
  cacheWriteTokens: number | null;
}

/** The attempt's tokens cut into the four parts that are priced apart. */
export interface TokenSplit {
  /** All input (genai-prices' `input_tokens` has the same meaning). */
  input: number;
  uncached: number;
  cached: number;
  cacheWrite: number;
  output: number;
}

/** USD per million tokens for each part; undefined = this source does not price the part. */
export interface PartPrices {
  input?: number;
  output?: number;
  cached?: number;
  cacheWrite?: number;
}

const count = (n: number | null): number => (n !== null && Number.isFinite(n) && n > 0 ? n : 0);

/**
 * Nulls count as 0. An input total below its cache subsets (an adapter that reported them apart, or
 * no input total at all) is raised to their sum, so nothing is priced twice or negative.
 */
export function splitTokens(tokens: AttemptTokens): TokenSplit {
  const cached = count(tokens.cachedTokens);
  const cacheWrite = count(tokens.cacheWriteTokens);
  const input = Math.max(count(tokens.inputTokens), cached + cacheWrite);
  return { input, uncached: input - cached - cacheWrite, cached, cacheWrite, output: count(tokens.outputTokens) };
}

export const isEmpty = (split: TokenSplit): boolean => split.input === 0 && split.output === 0;

/** Whether `prices` has a price for every part that has tokens. */
export function covers(prices: PartPrices, split: TokenSplit): boolean {
  return (
    (split.uncached === 0 || prices.input !== undefined) &&
    (split.cached === 0 || prices.cached !== undefined) &&
    (split.cacheWrite === 0 || prices.cacheWrite !== undefined) &&
    (split.output === 0 || prices.output !== undefined)
  );
}

/** Whether `prices` prices at least one part that has tokens. */
export function touches(prices: PartPrices, split: TokenSplit): boolean {
  return (
    (split.uncached > 0 && prices.input !== undefined) ||
    (split.cached > 0 && prices.cached !== undefined) ||
    (split.cacheWrite > 0 && prices.cacheWrite !== undefined) ||
    (split.output > 0 && prices.output !== undefined)
  );
}

/** Whole attempt in nano-USD: tokens × USD per million / 1e6 × 1e9. Call only when `covers`. */
export function nanoUsd(prices: PartPrices, split: TokenSplit): number {
  const perMillion =
    split.uncached * (prices.input ?? 0) +
    split.cached * (prices.cached ?? 0) +
    split.cacheWrite * (prices.cacheWrite ?? 0) +
    split.output * (prices.output ?? 0);
  return Math.round(perMillion * 1000);
}
