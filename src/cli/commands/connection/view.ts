import { formatPriceSpec } from '../../../pricing/price-spec.js';
import { formatLimits } from '../../../gateway/capacity/limits.js';
import type { ConnectionSecretStatus } from '../../../store/credentials/index.js';
import type { Connection } from '../../../store/repos/connections.js';
import {
  connectionTimeouts,
  headerNames,
  isProviderId,
  providers,
  urlCredentials,
} from '../../../providers/registry.js';

const MASK = '********';

/**
 * A connection as printed: provider name, effective base URL, limits and prices in their flags'
 * spelling, the effective timeouts. Header values are secrets: only their names are shown (with
 * `********`), also for a row an older vmx wrote with the values in its config.
 */
export function connectionView(connection: Connection, secret?: ConnectionSecretStatus) {
  const info = isProviderId(connection.provider) ? providers[connection.provider] : undefined;
  const config = printableConfig(connection.config);
  const timeouts = connectionTimeouts(connection.config);
  return {
    ...connection,
    config,
    providerName: info?.label ?? connection.provider,
    baseUrl: (typeof config.baseUrl === 'string' ? config.baseUrl : info?.defaultBaseUrl) ?? null,
    limits: formatLimits(connection.capacity),
    prices: connection.prices.map(formatPriceSpec),
    timeouts: {
      connect: formatMs(timeouts.connectMs),
      firstByte: formatMs(timeouts.firstByteMs),
      idle: formatMs(timeouts.idleMs),
    },
    ...(secret ? { secret } : {}),
  };
}

/** The config with header values and any credential in the base URL (rows from before they were refused) masked. */
function printableConfig(config: Record<string, unknown>): Record<string, unknown> {
  const printable = { ...config };
  if (config.headers !== undefined)
    printable.headers = Object.fromEntries(headerNames(config).map((name) => [name, MASK]));
  if (typeof config.baseUrl === 'string' && urlCredentials(config.baseUrl) !== undefined)
    printable.baseUrl = maskUrl(config.baseUrl);
  return printable;
}

const CREDENTIAL_PARAM = (name: string) => urlCredentials(`http://h/?${encodeURIComponent(name)}=x`) !== undefined;

function maskUrl(text: string): string {
  const url = new URL(text);
  if (url.username) url.username = MASK;
  if (url.password) url.password = MASK;
  for (const name of [...url.searchParams.keys()]) if (CREDENTIAL_PARAM(name)) url.searchParams.set(name, MASK);
  return url.toString();
}

/** Milliseconds in the largest unit that divides them: 10000 → `10s`, 120000 → `2m`, 300 → `300ms`. */
export function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
