import { findProvider, type ModelPrice, type TieredPrices } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { Pricer, type AttemptTokens, type CostInput } from '../../src/pricing/cost.js';
import type { ProviderId } from '../../src/providers/registry.js';

const at = Date.parse('2025-09-01T12:00:00Z');
const pricer = new Pricer();

const tokens = (
  input: number | null,
  output: number | null,
  cached: number | null = null,
  cacheWrite: number | null = null,
): AttemptTokens => ({
  inputTokens: input,
  outputTokens: output,
  cachedTokens: cached,
  cacheWriteTokens: cacheWrite,
});

const cost = (provider: ProviderId, model: string, t: AttemptTokens, more: Partial<CostInput> = {}) =>
  pricer.cost({ provider, model, at, tokens: t, overrides: [], ...more });

/** A model's price sheet as genai-prices ships it (flat sheets only; dated ones are read apart). */
function sheet(catalogProvider: string, modelId: string): ModelPrice {
  const model = findProvider({ providerId: catalogProvider })?.models.find((m) => m.id === modelId);
  if (!model || Array.isArray(model.prices)) throw new Error(`no flat sheet for ${catalogProvider}/${modelId}`);
  return model.prices;
}

/** USD per million at this input total: a tiered price applies its highest tier started below it. */
function perMillion(price: number | TieredPrices | undefined, inputTotal: number): number | undefined {
  if (price === undefined || typeof price === 'number') return price;
  return price.tiers.filter((t) => inputTotal > t.start).reduce((p, t) => t.price, price.base);
}

/** Expected nano-USD from the data: uncached × input + cached × cache read + writes × cache write + output × output. */
function expected(prices: ModelPrice, t: AttemptTokens): number {
  const input = t.inputTokens ?? 0;
  const cached = t.cachedTokens ?? 0;
  const written = t.cacheWriteTokens ?? 0;
  const p = (key: string) => perMillion(prices[key], input);
  const inputPrice = p('input_mtok') ?? 0;
  const usdPerMillion =
    (input - cached - written) * inputPrice +
    cached * (p('cache_read_mtok') ?? inputPrice) +
    written * (p('cache_write_mtok') ?? inputPrice) +
    (t.outputTokens ?? 0) * (p('output_mtok') ?? 0);
  return Math.round(usdPerMillion * 1000);
}

describe('catalog prices', () => {
  it.each<[ProviderId, string, string, string]>([
    ['openai', 'gpt-4o-mini', 'openai', 'gpt-4o-mini'],
    ['openai', 'gpt-4o-mini-2024-07-18', 'openai', 'gpt-4o-mini'],
    ['anthropic', 'claude-haiku-4-5-20251001', 'anthropic', 'claude-haiku-4-5'],
    ['gemini', 'gemini-2.5-flash', 'google', 'gemini-2.5-flash'],
    ['gemini', 'models/gemini-2.5-flash', 'google', 'gemini-2.5-flash'],
    ['groq', 'llama-3.3-70b-versatile', 'groq', 'llama-3.3-70b-versatile'],
    ['openai-compatible', 'llama-3.3-70b-versatile', 'groq', 'llama-3.3-70b-versatile'],
  ])('%s %s = tokens × the %s/%s prices', (provider, model, catalogProvider, catalogModel) => {
    const baseUrl = provider === 'openai-compatible' ? 'https://api.groq.com/openai/v1' : undefined;
    const t = tokens(12_345, 678);
    const result = cost(provider, model, t, { baseUrl });
    expect(result.source).toBe('catalog');
    expect(result.nanoUsd).toBe(expected(sheet(catalogProvider, catalogModel), t));
    expect(result.nanoUsd).toBeGreaterThan(0);
  });

  it('prices cache reads at the cached price, once', () => {
    const prices = sheet('openai', 'gpt-4o-mini');
    const withCache = tokens(10_000, 500, 8_000);
    const result = cost('openai', 'gpt-4o-mini', withCache);
    expect(result.nanoUsd).toBe(expected(prices, withCache));
    const plain = cost('openai', 'gpt-4o-mini', tokens(10_000, 500)).nanoUsd as number;
    const saving = 8_000 * ((prices.input_mtok as number) - (prices.cache_read_mtok as number)) * 1000;
    expect(plain - (result.nanoUsd as number)).toBe(Math.round(saving));
  });

  it('prices Anthropic cache writes at the cache-write price', () => {
    const t = tokens(5_000 + 20_000 + 3_000, 400, 20_000, 3_000);
    expect(cost('anthropic', 'claude-haiku-4-5', t).nanoUsd).toBe(expected(sheet('anthropic', 'claude-haiku-4-5'), t));
  });

  it('lets genai-prices apply tiers (Gemini 2.5 Pro above 200k input tokens)', () => {
    const prices = sheet('google', 'gemini-2.5-pro');
    const small = tokens(100_000, 1_000, 10_000);
    const large = tokens(250_000, 1_000, 10_000);
    expect(cost('gemini', 'gemini-2.5-pro', small).nanoUsd).toBe(expected(prices, small));
    expect(cost('gemini', 'gemini-2.5-pro', large).nanoUsd).toBe(expected(prices, large));
    // The tier must really change the price per token.
    expect((cost('gemini', 'gemini-2.5-pro', large).nanoUsd as number) / 250_000).toBeGreaterThan(
      (cost('gemini', 'gemini-2.5-pro', small).nanoUsd as number) / 100_000,
    );
  });

  it('lets genai-prices pick the price valid at the attempt time (o3)', () => {
    const model = findProvider({ providerId: 'openai' })?.models.find((m) => m.id === 'o3');
    if (!model || !Array.isArray(model.prices)) throw new Error('o3 is expected to carry dated prices');
    const [before, after] = model.prices;
    const start =
      after?.constraint?.type === 'start_date' ? Date.parse(`${after.constraint.start_date}T00:00:00Z`) : NaN;
    const t = tokens(10_000, 2_000, 1_000);
    expect(cost('openai', 'o3', t, { at: start - 86_400_000 }).nanoUsd).toBe(expected(before?.prices ?? {}, t));
    expect(cost('openai', 'o3', t, { at: start + 86_400_000 }).nanoUsd).toBe(expected(after?.prices ?? {}, t));
    expect(expected(before?.prices ?? {}, t)).not.toBe(expected(after?.prices ?? {}, t));
  });
});

describe('Bedrock model ids', () => {
  it.each([
    ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'regional.anthropic.claude-haiku-4-5-20251001-v1:0'],
    ['anthropic.claude-haiku-4-5-20251001-v1:0', 'regional.anthropic.claude-haiku-4-5-20251001-v1:0'],
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'regional.anthropic.claude-3-5-sonnet-20240620-v1:0'],
    ['eu.anthropic.claude-3-7-sonnet-20250219-v1:0', 'regional.anthropic.claude-3-7-sonnet-20250219-v1:0'],
    [
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0',
      'regional.anthropic.claude-3-7-sonnet-20250219-v1:0',
    ],
    ['us.amazon.nova-pro-v1:0', 'amazon.nova-pro-v1:0'],
    ['amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0'],
    ['us.meta.llama3-3-70b-instruct-v1:0', 'meta.llama3-3-70b-instruct-v1:0'],
    ['meta.llama3-1-8b-instruct-v1:0', 'meta.llama3-1-8b-instruct-v1:0'],
  ])('%s is priced as %s', (model, catalogModel) => {
    const t = tokens(30_000, 1_500, 20_000, 2_000);
    const result = cost('aws-bedrock', model, t);
    expect(result).toStrictEqual({ nanoUsd: expected(sheet('aws', catalogModel), t), source: 'catalog' });
  });

  it('leaves models the catalog lacks unknown', () => {
    expect(cost('aws-bedrock', 'cohere.command-r-v1:0', tokens(1_000, 100))).toStrictEqual({
      nanoUsd: null,
      source: null,
    });
  });
});

describe('unknown and unbilled', () => {
  it('an unknown model is null, never 0', () => {
    expect(cost('openai', 'my-finetune-xyz', tokens(1_000, 100))).toStrictEqual({ nanoUsd: null, source: null });
    expect(cost('anthropic', 'gpt-4o-mini', tokens(1_000, 100))).toStrictEqual({ nanoUsd: null, source: null });
  });

  it('a local OpenAI-compatible server is never priced as the hosted model of the same name', () => {
    for (const baseUrl of ['http://127.0.0.1:11434/v1', 'http://localhost:8080/v1', undefined]) {
      expect(cost('openai-compatible', 'gpt-4o-mini', tokens(1_000, 100), { baseUrl })).toStrictEqual({
        nanoUsd: null,
        source: null,
      });
    }
  });

  it('an OpenAI-compatible base URL of a hosted provider prices its models', () => {
    const t = tokens(1_000, 100);
    expect(cost('openai-compatible', 'gpt-4o-mini', t, { baseUrl: 'https://api.openai.com/v1' }).nanoUsd).toBe(
      expected(sheet('openai', 'gpt-4o-mini'), t),
    );
  });

  it.each([tokens(null, null), tokens(0, 0, 0, 0), tokens(null, 0, null, null)])('no tokens cost 0 (%j)', (t) => {
    expect(cost('openai', 'gpt-4o-mini', t)).toStrictEqual({ nanoUsd: 0, source: null });
    expect(cost('openai', 'my-finetune-xyz', t)).toStrictEqual({ nanoUsd: 0, source: null });
  });

  it('cache counts above the input total raise it instead of going negative', () => {
    const t = tokens(null, 100, 2_000);
    expect(cost('openai', 'gpt-4o-mini', t).nanoUsd).toBe(
      expected(sheet('openai', 'gpt-4o-mini'), tokens(2_000, 100, 2_000)),
    );
  });
});

describe('overrides', () => {
  const t = tokens(10_000, 2_000, 4_000, 1_000);
  // uncached 5_000, cached 4_000, written 1_000, output 2_000
  const nano = (input: number, cached: number, written: number, output: number) =>
    Math.round((5_000 * input + 4_000 * cached + 1_000 * written + 2_000 * output) * 1000);

  it('a connection-wide override prices every model, even one the catalog lacks', () => {
    const overrides = [{ input: 2, output: 8, cached: 0.5, cacheWrite: 2.5 }];
    expect(cost('openai-compatible', 'llama3.2', t, { baseUrl: 'http://127.0.0.1:11434/v1', overrides })).toStrictEqual(
      { nanoUsd: nano(2, 0.5, 2.5, 8), source: 'override' },
    );
    expect(cost('openai', 'gpt-4o-mini', t, { overrides })).toStrictEqual({
      nanoUsd: nano(2, 0.5, 2.5, 8),
      source: 'override',
    });
  });

  it('a model-specific override wins over a connection-wide one, whatever the order', () => {
    const wide = { input: 2, output: 8 };
    const mine = { model: 'gpt-4o-mini', input: 1, output: 4 };
    const other = { model: 'gpt-4o', input: 9, output: 9 };
    for (const overrides of [
      [wide, mine, other],
      [mine, other, wide],
    ]) {
      expect(cost('openai', 'gpt-4o-mini', t, { overrides }).nanoUsd).toBe(nano(1, 1, 1, 4));
      expect(cost('openai', 'gpt-4.1', t, { overrides }).nanoUsd).toBe(nano(2, 2, 2, 8));
    }
  });

  it('matches the model id exactly', () => {
    const overrides = [{ model: 'GPT-4o-mini', input: 1, output: 4 }];
    expect(cost('openai', 'gpt-4o-mini', t, { overrides })).toStrictEqual({
      nanoUsd: expected(sheet('openai', 'gpt-4o-mini'), t),
      source: 'catalog',
    });
  });

  it('cached and cache-write fall back to the override input price', () => {
    expect(cost('openai', 'unknown-model', t, { overrides: [{ input: 3, output: 6 }] }).nanoUsd).toBe(nano(3, 3, 3, 6));
    expect(cost('openai', 'unknown-model', t, { overrides: [{ input: 3, output: 6, cached: 0.3 }] }).nanoUsd).toBe(
      nano(3, 0.3, 3, 6),
    );
  });

  it('a missing part takes the catalog price of a known model', () => {
    const prices = sheet('anthropic', 'claude-haiku-4-5');
    const catalog = (key: string) => prices[key] as number;
    expect(cost('anthropic', 'claude-haiku-4-5', t, { overrides: [{ output: 1 }] })).toStrictEqual({
      nanoUsd: nano(catalog('input_mtok'), catalog('cache_read_mtok'), catalog('cache_write_mtok'), 1),
      source: 'override',
    });
    expect(cost('anthropic', 'claude-haiku-4-5', t, { overrides: [{ input: 2 }] }).nanoUsd).toBe(
      nano(2, 2, 2, catalog('output_mtok')),
    );
    expect(cost('anthropic', 'claude-haiku-4-5', t, { overrides: [{ cached: 0.01 }] }).nanoUsd).toBe(
      nano(catalog('input_mtok'), 0.01, catalog('cache_write_mtok'), catalog('output_mtok')),
    );
  });

  it('a missing part of an unknown model makes the whole cost unknown', () => {
    expect(cost('openai', 'unknown-model', t, { overrides: [{ output: 1 }] })).toStrictEqual({
      nanoUsd: null,
      source: null,
    });
  });

  it('an override that prices no billed part leaves the source to the catalog', () => {
    const noCache = tokens(10_000, 2_000);
    expect(cost('openai', 'gpt-4o-mini', noCache, { overrides: [{ cached: 0.01 }] })).toStrictEqual({
      nanoUsd: expected(sheet('openai', 'gpt-4o-mini'), noCache),
      source: 'catalog',
    });
  });

  it('a partial override of a tiered model keeps the catalog tier for the other parts', () => {
    const prices = sheet('google', 'gemini-2.5-pro');
    const large = tokens(250_000, 1_000, 10_000);
    const result = cost('gemini', 'gemini-2.5-pro', large, { overrides: [{ output: 1 }] });
    expect(result).toStrictEqual({ nanoUsd: expected({ ...prices, output_mtok: 1 }, large), source: 'override' });
  });

  it('no tokens cost 0 even with overrides', () => {
    expect(cost('openai', 'gpt-4o-mini', tokens(null, null), { overrides: [{ input: 1, output: 1 }] })).toStrictEqual({
      nanoUsd: 0,
      source: null,
    });
  });
});

it('a small cache gives the same answers', () => {
  const small = new Pricer({ cacheSize: 2 });
  const t = tokens(1_000, 100, 200);
  for (let round = 0; round < 3; round++) {
    for (const [provider, model] of [
      ['openai', 'gpt-4o-mini'],
      ['openai', 'nope'],
      ['groq', 'llama-3.3-70b-versatile'],
    ] as const) {
      expect(small.cost({ provider, model, at, tokens: t, overrides: [] })).toStrictEqual(cost(provider, model, t));
    }
  }
});
