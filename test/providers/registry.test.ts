import { describe, expect, it } from 'vitest';
import { createAdapters } from '../../src/providers/adapters.js';
import { UpstreamClient } from '../../src/providers/http/upstream-client.js';
import { isProviderId, providerIds, providers } from '../../src/providers/registry.js';

describe('the provider registry', () => {
  it('lists every provider once, in the order the CLI offers them', () => {
    expect(providerIds).toEqual(['openai', 'anthropic', 'aws-bedrock', 'gemini', 'groq', 'openai-compatible']);
    for (const id of providerIds) expect(providers[id].id).toBe(id);
    expect(isProviderId('openai')).toBe(true);
    expect(isProviderId('toString')).toBe(false);
  });

  it('makes an adapter for every provider', async () => {
    const client = new UpstreamClient();
    const { adapters } = createAdapters(client);
    expect(Object.keys(adapters)).toEqual(providerIds);
    expect(adapters.openai.dialectFor('openai-responses', 'gpt-4o')).toBe('openai-responses');
    expect(adapters.groq.dialectFor('openai-responses', 'llama')).toBe('openai-chat');
    expect(adapters.anthropic.dialectFor('openai-chat', 'claude')).toBe('anthropic-messages');
    expect(adapters['aws-bedrock'].dialectFor('anthropic-messages', 'anthropic.claude-3-haiku')).toBe(
      'anthropic-messages',
    );
    expect(adapters['aws-bedrock'].dialectFor('anthropic-messages', 'amazon.nova-lite')).toBe('bedrock-converse');
    await client.close();
  });

  it('validates each provider config with its own schema', () => {
    expect(providers.openai.config.safeParse({ region: 'us-east-1' }).success).toBe(false);
    expect(providers['openai-compatible'].config.safeParse({}).success).toBe(false);
    expect(providers['openai-compatible'].config.safeParse({ baseUrl: 'http://127.0.0.1:11434/v1' }).success).toBe(
      true,
    );
    expect(providers['aws-bedrock'].config.safeParse({ region: 'us-east-1', profile: 'work' }).success).toBe(true);
    expect(providers.groq.config.safeParse({ baseUrl: 'https://u:p@h/v1' }).success).toBe(false);
  });

  it('says who needs a key and how the catalog knows each provider', () => {
    expect(providers.openai.secret.required).toBe(true);
    expect(providers['openai-compatible'].secret.required).toBe(false);
    expect(providers['aws-bedrock'].secretFields).toEqual(['accessKeyId', 'secretAccessKey']);
    expect(providers['openai-compatible'].pricing.catalogId).toBeNull();
    expect(providers.gemini.pricing.catalogModel?.('models/gemini-2.5-flash')).toBe('gemini-2.5-flash');
  });
});
