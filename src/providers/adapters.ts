import { anthropicAdapter } from './anthropic/adapter.js';
import { bedrockAdapter } from './aws-bedrock/adapter.js';
import { UpstreamClient } from './http/upstream-client.js';
import { openAIAdapter } from './openai/adapter.js';
import type { ProviderId } from './registry.js';
import { providers } from './registry.js';
import type { ProviderAdapter } from './types.js';

/**
 * One adapter per provider id, sharing one upstream HTTP client. OpenAI-compatible vendors are the
 * OpenAI adapter with their base URL.
 */
export function createAdapters(client = new UpstreamClient()): {
  adapters: Partial<Record<ProviderId, ProviderAdapter>>;
  client: UpstreamClient;
} {
  const compatible = (id: 'openai' | 'groq' | 'gemini' | 'openai-compatible') =>
    openAIAdapter(client, {
      defaultBaseUrl:
        'defaultBaseUrl' in providers[id] ? (providers[id] as { defaultBaseUrl?: string }).defaultBaseUrl : undefined,
      dialects: id === 'openai' ? ['openai-chat', 'openai-responses'] : ['openai-chat'],
    });
  return {
    client,
    adapters: {
      openai: compatible('openai'),
      groq: compatible('groq'),
      gemini: compatible('gemini'),
      'openai-compatible': compatible('openai-compatible'),
      anthropic: anthropicAdapter(),
      'aws-bedrock': bedrockAdapter(),
    },
  };
}
