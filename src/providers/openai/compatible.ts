import { z } from 'zod';
import { apiKeySecret, commonConfig, defineProvider, httpUrl, type Provider } from '../provider.js';
import { openAIAdapter, type OpenAIDialect } from './adapter.js';

/** What sets an OpenAI-compatible vendor apart: a registry entry is one call of {@link openAICompatible}. */
export interface CompatibleVendor {
  label: string;
  /** The model a new resource gets when none is named (e.g. by `vmx init`). */
  defaultModel: string;
  /** Its API's base URL; a vendor without one (any local server) needs `--base-url` on every connection. */
  baseUrl?: string;
  /** The genai-prices provider id; without one a connection is priced by its base URL alone. */
  catalogId?: string;
  /** The model id as the catalog spells it, where the vendor's own differs. */
  catalogModel?(model: string): string;
  /** Whether a connection may do without an API key (local servers usually take none). */
  keyOptional?: boolean;
  /** The OpenAI dialects it answers natively; default Chat Completions only. */
  dialects?: readonly OpenAIDialect[];
}

/** An OpenAI-compatible provider: the OpenAI adapter with the vendor's base URL, key rule and catalog entry. */
export function openAICompatible(vendor: CompatibleVendor): Provider {
  const dialects = vendor.dialects ?? ['openai-chat'];
  const common = {
    label: vendor.label,
    defaultModel: vendor.defaultModel,
    defaultBaseUrl: vendor.baseUrl,
    secret: apiKeySecret(!vendor.keyOptional),
    secretFields: ['apiKey'] as const,
    pricing: { catalogId: vendor.catalogId ?? null, catalogModel: vendor.catalogModel },
  };
  if (vendor.baseUrl === undefined) {
    return defineProvider({
      ...common,
      config: z.object({ ...commonConfig, baseUrl: httpUrl }).strict(),
      questions: [{ setting: 'baseUrl', question: 'Base URL of the server', default: 'http://127.0.0.1:11434/v1' }],
      adapter: (deps) => openAIAdapter(deps, { dialects }),
    });
  }
  return defineProvider({
    ...common,
    config: z.object(commonConfig).strict(),
    adapter: (deps) => openAIAdapter(deps, { defaultBaseUrl: vendor.baseUrl, dialects }),
  });
}
