import { UsageError } from '../../../errors.js';
import { parsePriceSpec, type PriceOverride } from '../../../pricing/price-spec.js';

/** `--price` values: overrides, or `none` to clear them. A bad spec is a usage error naming its part. */
export function parsePrices(specs: string[]): PriceOverride[] {
  if (specs.length === 1 && specs[0]!.trim() === 'none') return [];
  return specs.map((spec) => {
    try {
      return parsePriceSpec(spec);
    } catch (error) {
      throw new UsageError(
        `${(error as Error).message}`,
        "e.g. --price 'input=2.5/M,output=10/M' or --price 'gpt-4o-mini:input=0.15/M,output=0.6/M'",
      );
    }
  });
}
