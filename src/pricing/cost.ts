import type { ProviderId } from '../providers/registry.js';
import { Catalog } from './catalog.js';
import { covers, isEmpty, nanoUsd, splitTokens, touches, type AttemptTokens, type PartPrices } from './part-prices.js';
import type { PriceOverride } from './price-spec.js';

export type { AttemptTokens } from './part-prices.js';

export interface CostInput {
  provider: ProviderId;
  /** The model id sent upstream. */
  model: string;
  /** The connection's base URL; only a provider the catalog knows by URL (openai-compatible) uses it, to recognise a hosted one. */
  baseUrl?: string;
  /** When the attempt ran (epoch ms): dated catalog prices depend on it. */
  at: number;
  tokens: AttemptTokens;
  /** The connection's `--price` overrides. */
  overrides: readonly PriceOverride[];
}

export interface Cost {
  /** Whole attempt in nano-USD (1e-9 USD), rounded; null = unknown, never a guessed 0. */
  nanoUsd: number | null;
  /** Where the prices came from; null when nothing was billed or the price is unknown. */
  source: 'override' | 'catalog' | null;
}

/**
 * Prices one attempt. Pure apart from its cache; one per daemon.
 *
 * The rules:
 * - No tokens at all (a failed attempt): 0, source null.
 * - Override choice: an override for exactly this model beats a connection-wide one; among equals the
 *   last given wins.
 * - In the chosen override `cached` and `cache-write` default to its `input`. A part that has tokens
 *   and still no override price takes the catalog's price for that part (the override patches the
 *   catalog's sheet); if the catalog does not know the model, the whole cost is unknown.
 * - No override: the catalog (genai-prices, which applies dated and tiered prices); unknown model → null.
 * - source is 'override' when the override priced at least one part that had tokens, else 'catalog'.
 */
export class Pricer {
  readonly #catalog: Catalog;

  constructor(options: { cacheSize?: number } = {}) {
    this.#catalog = new Catalog(options.cacheSize);
  }

  cost(input: CostInput): Cost {
    const split = splitTokens(input.tokens);
    if (isEmpty(split)) return { nanoUsd: 0, source: null };
    const chosen = overrideFor(input.overrides, input.model);
    const own = chosen && ownPrices(chosen);
    if (own && covers(own, split)) return { nanoUsd: nanoUsd(own, split), source: 'override' };
    const model = this.#catalog.lookup(input.provider, input.model, input.baseUrl);
    const nano = model ? model.nanoUsd(split, input.at, own) : null;
    if (nano === null) return { nanoUsd: null, source: null };
    return { nanoUsd: nano, source: own && touches(own, split) ? 'override' : 'catalog' };
  }
}

function overrideFor(overrides: readonly PriceOverride[], model: string): PriceOverride | undefined {
  let exact: PriceOverride | undefined;
  let wide: PriceOverride | undefined;
  for (const o of overrides) {
    if (o.model === undefined) wide = o;
    else if (o.model === model) exact = o;
  }
  return exact ?? wide;
}

function ownPrices(o: PriceOverride): PartPrices {
  return { input: o.input, output: o.output, cached: o.cached ?? o.input, cacheWrite: o.cacheWrite ?? o.input };
}
