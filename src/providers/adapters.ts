import { UpstreamClient } from './http/upstream-client.js';
import { providerIds, providers, type ProviderId } from './registry.js';
import type { ProviderAdapter } from './types.js';

/** One adapter per provider of the registry (every one has one), sharing one upstream HTTP client. */
export function createAdapters(client = new UpstreamClient()): {
  adapters: Record<ProviderId, ProviderAdapter>;
  client: UpstreamClient;
} {
  const adapters = Object.fromEntries(providerIds.map((id) => [id, providers[id].adapter(client)]));
  return { client, adapters: adapters as Record<ProviderId, ProviderAdapter> };
}
