import { z } from 'zod';
import { providerIds, type ProviderId } from './ids.js';

export { providerIds, type ProviderId };

/**
 * The only list of providers. CLI choices, config validation and (later) adapter lookup all derive
 * from this table; adding a provider means one entry here plus its folder.
 */

/** The wire dialects vmx speaks inbound and outbound. */
export type Dialect = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'bedrock-converse';

/** A secret credential field; stored in the keychain, never in the database. */
export type SecretField = 'apiKey' | 'secretAccessKey' | 'accessKeyId';

const httpUrl = z
  .string()
  .url('must be a URL such as https://host/v1')
  .refine((value) => /^https?:\/\//.test(value), 'must start with http:// or https://');

/** Non-secret settings every provider accepts. */
const common = {
  baseUrl: httpUrl.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  connectTimeoutMs: z.number().int().positive().optional(),
  firstByteTimeoutMs: z.number().int().positive().optional(),
};

export interface ProviderInfo {
  id: string;
  displayName: string;
  /** The model a new resource gets when none is named (e.g. by `vmx init`). */
  defaultModel: string;
  /** Where requests go unless the connection sets `baseUrl`. */
  defaultBaseUrl?: string;
  /** Dialects this provider answers natively (same dialect → passthrough). */
  nativeDialects: Dialect[];
  /** Validates the non-secret config stored in the database. */
  configSchema: z.ZodType<Record<string, unknown>>;
  /** The secret read from `--api-key-stdin`/`--api-key-env`/the hidden prompt, and whether it is required. */
  secret: { field: SecretField; label: string; required: boolean };
  /** Every secret field a connection of this provider may store (one keychain entry holds them all). */
  secretFields: readonly SecretField[];
}

const apiKey = (required: boolean) => ({ field: 'apiKey' as const, label: 'API key', required });

export const providers = {
  openai: {
    id: 'openai',
    displayName: 'OpenAI',
    defaultModel: 'gpt-4.1-mini',
    defaultBaseUrl: 'https://api.openai.com/v1',
    nativeDialects: ['openai-chat', 'openai-responses'],
    configSchema: z.object(common).strict(),
    secret: apiKey(true),
    secretFields: ['apiKey'],
  },
  anthropic: {
    id: 'anthropic',
    displayName: 'Anthropic',
    defaultModel: 'claude-haiku-4-5-20251001',
    defaultBaseUrl: 'https://api.anthropic.com',
    nativeDialects: ['anthropic-messages'],
    configSchema: z.object(common).strict(),
    secret: apiKey(true),
    secretFields: ['apiKey'],
  },
  'aws-bedrock': {
    id: 'aws-bedrock',
    displayName: 'AWS Bedrock',
    defaultModel: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    nativeDialects: ['anthropic-messages', 'bedrock-converse'],
    configSchema: z
      .object({
        ...common,
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1'),
        profile: z.string().min(1).optional(),
      })
      .strict(),
    // With no stored keys the AWS default credential chain (or --profile) is used.
    secret: { field: 'secretAccessKey', label: 'AWS secret access key', required: false },
    secretFields: ['accessKeyId', 'secretAccessKey'],
  },
  gemini: {
    id: 'gemini',
    displayName: 'Google Gemini',
    defaultModel: 'gemini-2.5-flash',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
    nativeDialects: ['openai-chat'],
    configSchema: z.object(common).strict(),
    secret: apiKey(true),
    secretFields: ['apiKey'],
  },
  groq: {
    id: 'groq',
    displayName: 'Groq',
    defaultModel: 'llama-3.1-8b-instant',
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    nativeDialects: ['openai-chat'],
    configSchema: z.object(common).strict(),
    secret: apiKey(true),
    secretFields: ['apiKey'],
  },
  'openai-compatible': {
    id: 'openai-compatible',
    displayName: 'OpenAI-compatible server',
    defaultModel: 'llama3.2',
    nativeDialects: ['openai-chat'],
    configSchema: z.object({ ...common, baseUrl: httpUrl }).strict(),
    // Local servers (ollama, LM Studio, vLLM) usually need no key.
    secret: apiKey(false),
    secretFields: ['apiKey'],
  },
} as const satisfies Record<ProviderId, ProviderInfo>;

export function isProviderId(value: string): value is ProviderId {
  return Object.hasOwn(providers, value);
}

export function providerInfo(id: ProviderId): ProviderInfo {
  return providers[id];
}

/** The secret fields a connection of this provider may keep in the keychain (none for an unknown id). */
export function secretFieldsOf(provider: string): readonly SecretField[] {
  return isProviderId(provider) ? providers[provider].secretFields : [];
}
