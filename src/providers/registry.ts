import { anthropic } from './anthropic/index.js';
import { awsBedrock } from './aws-bedrock/index.js';
import { headerField, headerNames } from './connection-config.js';
import { openAICompatible } from './openai/compatible.js';
import { openai } from './openai/index.js';
import type { Provider } from './provider.js';

/**
 * The only list of providers: one entry each, its module (`<id>/index.ts`) or, for an OpenAI-compatible
 * vendor, one `openAICompatible` call. CLI choices, config validation, adapters (adapters.ts) and the
 * price catalog (../pricing/catalog.ts) all derive from it; the order is the order the CLI offers them in.
 */
const list = {
  openai,
  anthropic,
  'aws-bedrock': awsBedrock,
  gemini: openAICompatible({
    label: 'Google Gemini',
    defaultModel: 'gemini-2.5-flash',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
    catalogId: 'google',
    // Its OpenAI endpoint may name models `models/gemini-…`, which the catalog does not match.
    catalogModel: (model) => model.replace(/^models\//, ''),
  }),
  groq: openAICompatible({
    label: 'Groq',
    defaultModel: 'llama-3.1-8b-instant',
    baseUrl: 'https://api.groq.com/openai/v1',
    catalogId: 'groq',
  }),
  // Local servers (ollama, LM Studio, vLLM) and gateways: a base URL on every connection, usually no key.
  'openai-compatible': openAICompatible({
    label: 'OpenAI-compatible server',
    defaultModel: 'llama3.2',
    keyOptional: true,
  }),
} satisfies Record<string, Provider>;

export type ProviderId = keyof typeof list;
/** A provider of the registry, its id included. */
export type RegisteredProvider = Provider & { readonly id: ProviderId };

export const providers = Object.fromEntries(
  Object.entries(list).map(([id, provider]) => [id, { ...provider, id }]),
) as { readonly [Id in ProviderId]: Provider & { readonly id: Id } };

export const providerIds = Object.keys(list) as ProviderId[];

export function isProviderId(value: string): value is ProviderId {
  return Object.hasOwn(list, value);
}

/** The wire dialects vmx speaks inbound and outbound (dialects/ owns the list). */
export type { Dialect } from './dialects/index.js';
/** The dialects clients speak to the gateway (a subset of Dialect), their route names and inbound facts. */
export { dialectOfRoute, inboundSpec, type InboundDialect, type RouteName } from './dialects/inbound.js';

/** Every credential-store field of a connection: its provider's secret fields and one per extra header. */
export function connectionSecretFields(connection: { provider: string; config: Record<string, unknown> }): string[] {
  const fields = isProviderId(connection.provider) ? providers[connection.provider].secretFields : [];
  return [...fields, ...headerNames(connection.config).map(headerField)];
}

// What the CLI and the daemon read of a connection's config: they import providers/ through this file.
export {
  connectionTimeouts,
  headerField,
  headerNamePattern,
  headerNames,
  legacyHeaderValues,
  urlCredentials,
} from './connection-config.js';
export type { SecretField } from './provider.js';
