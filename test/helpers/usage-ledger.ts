import { calcPrice } from '@pydantic/genai-prices';
import type { RecordedRequest as AnthropicRecord } from './fake-anthropic.js';
import type { RecordedRequest as BedrockRecord } from './fake-bedrock.js';
import type { RecordedRequest as OpenAIRecord } from './fake-openai.js';
import { CATALOG, planOf, type Plan } from './mixed-traffic.js';

/**
 * The test's own books for planned traffic (test/helpers/mixed-traffic.ts), kept apart from vmx: counts
 * from the plans, tokens from what the fakes actually sent, costs from genai-prices' `calcPrice` (or a
 * price override), per (resource, model) group as `vmx usage --by resource --by model` reports them.
 */

/** One group's figures, in `vmx usage --json` terms (cost kept in nano-USD). */
export interface Figures {
  requests: number;
  attempts: number;
  errors: number;
  fallbacks: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  totalTokens: number;
  knownNano: number;
  unpricedAttempts: number;
}

/** One attempt's tokens as vmx counts them: input includes cache reads and writes. */
export interface Tokens {
  input: number;
  output: number;
  cached: number;
  cacheWrite: number;
}

/** USD per million tokens of a connection-wide `--price` override without cache prices (cache tokens then cost `input`). */
export interface Override {
  input: number;
  output: number;
  /** The model it prices, and from which request (plan number) on. */
  model: string;
  from: number;
}

export const blankFigures = (): Figures => ({
  requests: 0,
  attempts: 0,
  errors: 0,
  fallbacks: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  totalTokens: 0,
  knownNano: 0,
  unpricedAttempts: 0,
});

export const groupKey = (resource: string | null, model: string | null) => `${resource ?? '∅'} | ${model ?? '∅'}`;

export const sumFigures = (groups: Iterable<Figures>) =>
  [...groups].reduce((sum, g) => {
    for (const k of Object.keys(sum) as Array<keyof Figures>) sum[k] += g[k];
    return sum;
  }, blankFigures());

/** A chat stream's usage chunk goes out only when the request asked for it (vmx always asks). */
export function usageReallySent(r: OpenAIRecord): boolean {
  if (!r.sentUsage) return false;
  return !(
    r.path.startsWith('/v1/chat/completions') &&
    r.json?.stream === true &&
    r.json?.stream_options?.include_usage !== true
  );
}

/** What the fake OpenAI reported for one request, in vmx's terms. */
export const openAITokens = (u: NonNullable<OpenAIRecord['sentUsage']>): Tokens => ({
  input: u.prompt_tokens,
  output: u.completion_tokens,
  cached: u.cached_tokens,
  cacheWrite: 0,
});

/** What the fake Anthropic or Bedrock reported: Anthropic's input_tokens leaves the cache out; vmx counts all input. */
export const anthropicTokens = (u: NonNullable<AnthropicRecord['sentUsage']>): Tokens => ({
  input: u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens,
  output: u.output_tokens,
  cached: u.cache_read_input_tokens,
  cacheWrite: u.cache_creation_input_tokens,
});

/**
 * One attempt's cost in nano-USD, rounded per attempt as vmx does; null when no catalog knows the model.
 * Every price involved is a whole number of nano-USD per token, so no rounding happens and sums are exact.
 */
export function expectedNano(model: string, tokens: Tokens, override?: Override): number | null {
  if (tokens.input + tokens.output === 0) return 0;
  if (override && model === override.model)
    return Math.round((tokens.input * override.input + tokens.output * override.output) * 1000);
  const providerId = CATALOG[model];
  if (!providerId) return null;
  const usage = {
    input_tokens: tokens.input,
    cache_read_tokens: tokens.cached,
    cache_write_tokens: tokens.cacheWrite,
    output_tokens: tokens.output,
  };
  const price = calcPrice(usage, model, { providerId });
  if (!price) throw new Error(`genai-prices does not know ${providerId}/${model}`);
  return Math.round(price.total_price * 1e9);
}

/** Every answer a fake reported usage for, with its plan, model and tokens. */
export function reportedAnswers(
  plans: ReadonlyMap<number, Plan>,
  fakes: { openai: readonly OpenAIRecord[]; anthropic: readonly AnthropicRecord[]; bedrock: readonly BedrockRecord[] },
): Array<{ plan: Plan; model: string; tokens: Tokens }> {
  const answers: Array<{ plan: Plan; model: string; tokens: Tokens }> = [];
  const push = (rawBody: string, model: string, tokens: Tokens) => {
    const plan = planOf(plans, rawBody);
    if (!plan) throw new Error(`a fake answered a request that is not planned: ${rawBody.slice(0, 200)}`);
    answers.push({ plan, model, tokens });
  };
  for (const r of fakes.openai) if (usageReallySent(r)) push(r.rawBody, r.json.model, openAITokens(r.sentUsage!));
  for (const r of fakes.anthropic) if (r.sentUsage) push(r.rawBody, r.json.model, anthropicTokens(r.sentUsage));
  for (const r of fakes.bedrock) if (r.sentUsage) push(r.rawBody, r.modelId!, anthropicTokens(r.sentUsage));
  return answers;
}

/**
 * The expected `vmx usage --by resource --by model` groups: requests, attempts, errors and fallbacks from
 * the plans (refused requests are one row without a model; a bad key is refused before the body is read,
 * so without a resource too), tokens and cost from what the fakes reported.
 */
export function ledger(
  plans: ReadonlyMap<number, Plan>,
  answers: ReturnType<typeof reportedAnswers>,
  override?: Override,
): Map<string, Figures> {
  const groups = new Map<string, Figures>();
  const group = (resource: string | null, model: string | null) => {
    const key = groupKey(resource, model);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = blankFigures()));
    return g;
  };
  for (const plan of plans.values()) {
    if (plan.refused) {
      const g = group(plan.refused === 401 ? null : plan.resource, null);
      g.requests++;
      g.errors++;
      continue;
    }
    plan.attempts.forEach((attempt, i) => {
      const g = group(plan.resource, attempt.model);
      g.attempts++;
      if (i === plan.attempts.length - 1) g.requests++;
      else g.fallbacks++;
      if (attempt.status >= 400) g.errors++;
    });
  }
  for (const { plan, model, tokens } of answers) {
    const g = group(plan.resource, model);
    g.inputTokens += tokens.input;
    g.outputTokens += tokens.output;
    g.cachedTokens += tokens.cached;
    g.cacheWriteTokens += tokens.cacheWrite;
    g.totalTokens += tokens.input + tokens.output;
    const nano = expectedNano(model, tokens, override && plan.n >= override.from ? override : undefined);
    if (nano === null) g.unpricedAttempts++;
    else g.knownNano += nano;
  }
  return groups;
}
