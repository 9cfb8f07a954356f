import { calcPrice, findProvider, type ModelInfo, type Provider } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { Catalog, CatalogModel } from '../../src/pricing/catalog.js';
import { splitTokens, type PartPrices } from '../../src/pricing/part-prices.js';

// Every provider genai-prices 0.1.8 ships; the first five are the ones vmx maps to.
const providerIds = [
  'openai',
  'anthropic',
  'aws',
  'google',
  'groq',
  'arcee',
  'avian',
  'azure',
  'baseten',
  'cerebras',
  'cloudflare',
  'cohere',
  'cursor',
  'deepseek',
  'doubleword',
  'fireworks',
  'github-copilot',
  'huggingface_cerebras',
  'minimax',
  'mistral',
  'modal',
  'moonshotai',
  'novita',
  'openrouter',
  'ovhcloud',
  'perplexity',
  'quicksilverpro',
  'together',
  'typesafe',
  'voyageai',
  'x-ai',
  'zai',
  'zhipuai',
];
const catalog = providerIds.flatMap((id) => {
  const provider = findProvider({ providerId: id });
  return provider ? provider.models.map((model) => [provider, model] as const) : [];
});

const usages = [
  { inputTokens: 1_234, outputTokens: 567, cachedTokens: null, cacheWriteTokens: null },
  { inputTokens: 50_000, outputTokens: 2_000, cachedTokens: 30_000, cacheWriteTokens: 5_000 },
  { inputTokens: 300_000, outputTokens: 9_000, cachedTokens: 100_000, cacheWriteTokens: 20_000 },
];
const times = [
  Date.parse('2025-01-01T00:00:00Z'),
  Date.parse('2026-06-01T09:30:00Z'),
  Date.parse('2027-06-01T23:00:00Z'),
];
const patches: PartPrices[] = [{}, { output: 0.5 }, { input: 1, cached: 0.1, cacheWrite: 1.25 }];

const tokenKeys = new Set(['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok', 'requests_kcount']);
const tokenKeysOnly = (sheet: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(sheet).filter(([key]) => tokenKeys.has(key)));

/**
 * genai-prices on the model's full sheet with `own` written over it. An override that adds a cache
 * price to a sheet with audio or image prices makes genai-prices ask for join prices (cached audio…)
 * that vmx never bills; such sheets are compared on their token prices only.
 */
function reference(
  provider: Provider,
  model: ModelInfo,
  own: PartPrices,
  t: (typeof usages)[number],
  at: number,
  trim = false,
): number | null {
  const patch = (sheet: Record<string, unknown>) => ({
    ...(trim ? tokenKeysOnly(sheet) : sheet),
    ...(own.input !== undefined && { input_mtok: own.input }),
    ...(own.output !== undefined && { output_mtok: own.output }),
    ...(own.cached !== undefined && { cache_read_mtok: own.cached }),
    ...(own.cacheWrite !== undefined && { cache_write_mtok: own.cacheWrite }),
  });
  const prices = Array.isArray(model.prices)
    ? model.prices.map((p) => ({ ...p, prices: patch(p.prices) }))
    : patch(model.prices);
  const alone: Provider = { ...provider, models: [{ ...model, match: { equals: 'x' }, prices } as ModelInfo] };
  const s = splitTokens(t);
  try {
    const result = calcPrice(
      { input_tokens: s.input, cache_read_tokens: s.cached, cache_write_tokens: s.cacheWrite, output_tokens: s.output },
      'x',
      { provider: alone, timestamp: new Date(at) },
    );
    return result && Math.round(result.total_price * 1e9);
  } catch (error) {
    if (!trim && /Missing join price key/.test(String(error))) return reference(provider, model, own, t, at, true);
    return null;
  }
}

describe('CatalogModel agrees with calcPrice on the whole catalog', () => {
  it(`${catalog.length} models × usages × times × partial overrides`, () => {
    expect(catalog.length).toBeGreaterThan(1000);
    let flat = 0;
    const mismatches: string[] = [];
    for (const [provider, model] of catalog) {
      const mine = new CatalogModel(provider, model, 'x');
      if (mine.flat) flat++;
      for (const own of patches) {
        for (const t of usages) {
          for (const at of times) {
            const want = reference(provider, model, own, t, at);
            const got = mine.nanoUsd(splitTokens(t), at, own);
            // Flat sheets are summed here in another order: allow one nano-USD of rounding.
            if (want === null ? got !== null : got === null || Math.abs(got - want) > 1)
              mismatches.push(
                `${provider.id}/${model.id} ${JSON.stringify(own)} ${t.inputTokens}@${at}: ${got} ≠ ${want}`,
              );
          }
        }
      }
    }
    expect(mismatches).toStrictEqual([]);
    // Most sheets take the fast path; if this drops, flatPrices stopped recognising them.
    expect(flat / catalog.length).toBeGreaterThan(0.8);
  });
});

describe('Catalog.lookup', () => {
  it('resolves once per provider and model, unknown verdicts included', () => {
    const c = new Catalog();
    const first = c.lookup('openai', 'gpt-4o-mini');
    expect(first).toBeInstanceOf(CatalogModel);
    expect(c.lookup('openai', 'gpt-4o-mini')).toBe(first);
    expect(c.lookup('openai', 'no-such-model')).toBeNull();
    expect(c.lookup('openai', 'gpt-4o-mini', 'http://ignored.example')).toBe(first);
  });

  it('keys OpenAI-compatible lookups by base URL', () => {
    const c = new Catalog();
    expect(c.lookup('openai-compatible', 'gpt-4o-mini', 'https://api.openai.com/v1')).toBeInstanceOf(CatalogModel);
    expect(c.lookup('openai-compatible', 'gpt-4o-mini', 'http://127.0.0.1:11434/v1')).toBeNull();
    expect(c.lookup('openai-compatible', 'gpt-4o-mini')).toBeNull();
  });

  it('stays bounded and correct past its size', () => {
    const c = new Catalog(3);
    for (let i = 0; i < 10; i++) expect(c.lookup('openai', `model-${i}`)).toBeNull();
    expect(c.lookup('openai', 'gpt-4o-mini')?.flat).toStrictEqual({
      input: 0.15,
      output: 0.6,
      cached: 0.075,
      cacheWrite: 0.15,
    });
  });
});
