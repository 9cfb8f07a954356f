import {
  calcPrice,
  type ConditionalPrice,
  type ModelInfo,
  type ModelPrice,
  type Provider,
  type Usage,
} from '@pydantic/genai-prices';
import { isProviderId, providers, type ProviderId } from '../providers/registry.js';
import { nanoUsd, type PartPrices, type TokenSplit } from './part-prices.js';

/**
 * How the catalog knows a provider: its `pricing` in the registry. A provider with no catalog id (an
 * OpenAI-compatible server) is known only by its base URL (genai-prices' `api_pattern`), so a local server
 * is never priced as a hosted model of the same name; an unknown id must not reach genai-prices, whose
 * fallback `provider_match` would take 'openai-compatible' for OpenAI. Bedrock ids need no rewriting:
 * genai-prices' `aws` models match region prefixes (us., eu., apac., global.), `-v1:0` suffixes and
 * inference-profile ARNs themselves.
 */
const pricingOf = (provider: string) => (isProviderId(provider) ? providers[provider].pricing : undefined);

/**
 * The price keys vmx's four token counts can reach, plus the per-request fee a few models carry. The
 * others (audio, images, web searches, 1h cache writes…) price usage vmx never reports, so they come
 * to 0; dropping them keeps `calcPrice` cheap (it validates every key pair on each call).
 */
const tokenKeys = ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok', 'requests_kcount'] as const;

/** One catalog model, resolved once: flat sheets are priced here, the rest by `calcPrice`. */
export class CatalogModel {
  /** Per-part prices when the sheet is one flat set of numbers (no dates, tiers or request fees). */
  readonly flat: Required<PartPrices> | null;
  /** A provider holding only this model, matched by exact id, so `calcPrice` skips the search. */
  readonly #provider: Provider;
  readonly #modelId: string;

  constructor(provider: Provider, model: ModelInfo, modelId: string) {
    this.flat = Array.isArray(model.prices) ? null : flatPrices(model.prices);
    this.#modelId = modelId.toLowerCase();
    this.#provider = {
      id: provider.id,
      name: provider.name,
      api_pattern: provider.api_pattern,
      models: [
        {
          id: model.id,
          name: model.name,
          match: { equals: this.#modelId },
          prices: mapSheets(model.prices, trimSheet),
        },
      ],
    };
  }

  /**
   * The attempt's cost in nano-USD at `at` (epoch ms); `own` replaces the catalog's price part by part
   * (a partial override). Null when genai-prices rejects the usage or the data.
   */
  nanoUsd(split: TokenSplit, at: number, own: PartPrices = {}): number | null {
    if (this.flat) {
      const f = this.flat;
      const prices = {
        input: own.input ?? f.input,
        output: own.output ?? f.output,
        cached: own.cached ?? f.cached,
        cacheWrite: own.cacheWrite ?? f.cacheWrite,
      };
      return nanoUsd(prices, split);
    }
    const provider = isBlank(own) ? this.#provider : patched(this.#provider, own);
    const usage: Usage = {
      input_tokens: split.input,
      cache_read_tokens: split.cached,
      cache_write_tokens: split.cacheWrite,
      output_tokens: split.output,
    };
    try {
      const result = calcPrice(usage, this.#modelId, { provider, timestamp: new Date(at) });
      return result ? Math.round(result.total_price * 1e9) : null;
    } catch {
      return null;
    }
  }
}

/**
 * Resolves (provider, model, base URL) to a catalog model once; the verdict, unknown included, is kept
 * because the embedded data never changes. Bounded: a client can send any model name.
 */
export class Catalog {
  readonly #resolved = new Map<string, CatalogModel | null>();
  readonly #maxEntries: number;

  constructor(maxEntries = 1024) {
    this.#maxEntries = maxEntries;
  }

  lookup(provider: ProviderId, model: string, baseUrl?: string): CatalogModel | null {
    // Only a provider known by its base URL is priced by it; the others ignore it.
    const byUrl = pricingOf(provider)?.catalogId === null;
    const key = byUrl ? `${provider}\n${model}\n${baseUrl ?? ''}` : `${provider}\n${model}`;
    let found = this.#resolved.get(key);
    if (found === undefined) {
      found = resolve(provider, model, baseUrl);
      if (this.#resolved.size >= this.#maxEntries) this.#resolved.clear();
      this.#resolved.set(key, found);
    }
    return found;
  }
}

function resolve(provider: ProviderId, model: string, baseUrl: string | undefined): CatalogModel | null {
  const pricing = pricingOf(provider);
  if (!pricing) return null;
  const options = pricing.catalogId ? { providerId: pricing.catalogId } : baseUrl ? { providerApiUrl: baseUrl } : null;
  const trimmed = model.trim();
  const modelId = pricing.catalogModel ? pricing.catalogModel(trimmed) : trimmed;
  if (!options || modelId === '') return null;
  try {
    const found = calcPrice({}, modelId, options);
    return found ? new CatalogModel(found.provider, found.model, modelId) : null;
  } catch {
    return null;
  }
}

function flatPrices(sheet: ModelPrice): Required<PartPrices> | null {
  // No cache price: genai-prices bills those tokens as plain input.
  const {
    input_mtok: input = 0,
    output_mtok: output = 0,
    cache_read_mtok: cached = input,
    cache_write_mtok: cacheWrite = input,
  } = sheet;
  if (sheet.requests_kcount !== undefined) return null;
  if (
    typeof input !== 'number' ||
    typeof output !== 'number' ||
    typeof cached !== 'number' ||
    typeof cacheWrite !== 'number'
  )
    return null;
  return { input, output, cached, cacheWrite };
}

function trimSheet(sheet: ModelPrice): ModelPrice {
  const out: ModelPrice = {};
  for (const key of tokenKeys) if (sheet[key] !== undefined) out[key] = sheet[key];
  return out;
}

function mapSheets(prices: ModelInfo['prices'], map: (sheet: ModelPrice) => ModelPrice): ModelInfo['prices'] {
  return Array.isArray(prices)
    ? prices.map((entry: ConditionalPrice) => ({ ...entry, prices: map(entry.prices) }))
    : map(prices);
}

const isBlank = (own: PartPrices): boolean =>
  own.input === undefined && own.output === undefined && own.cached === undefined && own.cacheWrite === undefined;

/** The catalog sheet(s) with the parts `own` names replaced by flat prices; the rest stays the catalog's. */
function patched(provider: Provider, own: PartPrices): Provider {
  const replace = (sheet: ModelPrice): ModelPrice => {
    const out = { ...sheet };
    if (own.input !== undefined) out.input_mtok = own.input;
    if (own.output !== undefined) out.output_mtok = own.output;
    if (own.cached !== undefined) out.cache_read_mtok = own.cached;
    if (own.cacheWrite !== undefined) out.cache_write_mtok = own.cacheWrite;
    return out;
  };
  return { ...provider, models: provider.models.map((m) => ({ ...m, prices: mapSheets(m.prices, replace) })) };
}
