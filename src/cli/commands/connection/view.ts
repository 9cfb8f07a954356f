import { formatPriceSpec } from '../../../pricing/price-spec.js';
import { formatLimits } from '../../../store/capacity.js';
import type { ConnectionSecretStatus } from '../../../store/credentials/index.js';
import type { Connection } from '../../../store/repos/connections.js';
import { isProviderId, providers } from '../../../providers/registry.js';

export { secretFieldsOf } from '../../../providers/registry.js';

/** A connection as printed: provider name, effective base URL, limits and prices in their flags' spelling. */
export function connectionView(connection: Connection, secret?: ConnectionSecretStatus) {
  const info = isProviderId(connection.provider) ? providers[connection.provider] : undefined;
  const defaultBaseUrl = info && 'defaultBaseUrl' in info ? info.defaultBaseUrl : undefined;
  return {
    ...connection,
    providerName: info?.displayName ?? connection.provider,
    baseUrl: (connection.config.baseUrl as string | undefined) ?? defaultBaseUrl ?? null,
    limits: formatLimits(connection.capacity),
    prices: connection.prices.map(formatPriceSpec),
    ...(secret ? { secret } : {}),
  };
}
