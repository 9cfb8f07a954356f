import { z } from 'zod';
import { providerIds, type ProviderId } from './ids.js';

export { providerIds, type ProviderId };

/**
 * The only list of providers. CLI choices, config validation and (later) adapter lookup all derive
 * from this table; adding a provider means one entry here plus its folder.
 */

/** The wire dialects vmx speaks inbound and outbound. */
export type Dialect = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'bedrock-converse';
/** The dialects clients speak to the gateway (a subset of Dialect), their route names and inbound facts. */
export { dialectOfRoute, inboundSpec, type InboundDialect, type RouteName } from './dialects/inbound.js';

/** A secret credential field; stored in the keychain, never in the database. */
export type SecretField = 'apiKey' | 'secretAccessKey' | 'accessKeyId';

const httpUrl = z
  .string()
  .url('must be a URL such as https://host/v1')
  .refine((value) => /^https?:\/\//.test(value), 'must start with http:// or https://')
  // The CLI refuses these with a hint first; this keeps any other writer from storing one.
  .refine((value) => urlCredentials(value) === undefined, 'must not carry credentials');

/** An HTTP header name (RFC 9110 token). */
export const headerNamePattern = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Non-secret settings every provider accepts. */
const common = {
  baseUrl: httpUrl.optional(),
  /** The NAMES of the extra request headers (`--header`); their values are secrets, see {@link headerField}. */
  headers: z.array(z.string().regex(headerNamePattern)).optional(),
  connectTimeoutMs: z.number().int().positive().optional(),
  firstByteTimeoutMs: z.number().int().positive().optional(),
  idleTimeoutMs: z.number().int().positive().optional(),
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

/** Upstream timeouts of HTTP.md, used where a connection sets none. */
export const DEFAULT_TIMEOUTS = { connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000 } as const;

/** How long an upstream call may take to connect, to start answering, and stay silent inside an answer. */
export interface ConnectionTimeouts {
  connectMs: number;
  firstByteMs: number;
  /** The longest gap between two pieces of a body (a stream's events or a JSON answer's bytes). */
  idleMs: number;
}

/** A connection's timeouts: its config, else {@link DEFAULT_TIMEOUTS}. */
export function connectionTimeouts(config: Record<string, unknown>): ConnectionTimeouts {
  const ms = (value: unknown, fallback: number) => (typeof value === 'number' && value > 0 ? value : fallback);
  return {
    connectMs: ms(config.connectTimeoutMs, DEFAULT_TIMEOUTS.connectMs),
    firstByteMs: ms(config.firstByteTimeoutMs, DEFAULT_TIMEOUTS.firstByteMs),
    idleMs: ms(config.idleTimeoutMs, DEFAULT_TIMEOUTS.idleMs),
  };
}

/**
 * The credential-store field holding the value of an extra header: header values are secrets (an
 * Azure-style `api-key`), so they live in the connection's one credential entry next to `apiKey`,
 * and `VMX_<CONNECTION>_HEADER_<NAME>` overrides them like any other field.
 */
export const headerField = (name: string): string => `header:${name}`;

/**
 * The names of a connection's extra headers. Stored config holds a list of names; rows written
 * before header values became secrets hold a `{ name: value }` map (see {@link legacyHeaderValues}).
 */
export function headerNames(config: Record<string, unknown>): string[] {
  const headers = config.headers;
  if (Array.isArray(headers)) return headers.filter((name): name is string => typeof name === 'string');
  if (headers !== null && typeof headers === 'object') return Object.keys(headers);
  return [];
}

/** The header values an older vmx kept in config (as `header:<name>` fields), or undefined when there are none. */
export function legacyHeaderValues(config: Record<string, unknown>): Record<string, string> | undefined {
  const headers = config.headers;
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return undefined;
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') fields[headerField(name)] = value;
  return fields;
}

/** Every credential-store field of a connection: its provider's secret fields and one per extra header. */
export function connectionSecretFields(connection: { provider: string; config: Record<string, unknown> }): string[] {
  return [...secretFieldsOf(connection.provider), ...headerNames(connection.config).map(headerField)];
}

/** Query parameters that carry a credential (`?key=`, `api_key=`, `access_token=`, `sig=` …). */
const CREDENTIAL_PARAM = /key|token|secret|passw|pwd|signature|^sig$|auth|credential/i;

/**
 * What makes a URL carry a credential: `user:pass@` or a credential-like query parameter; undefined
 * for a clean URL (or one that does not parse, which the schema reports on its own). Never the value.
 */
export function urlCredentials(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return 'a user name or password (user:pass@host)';
  const param = [...url.searchParams.keys()].find((name) => CREDENTIAL_PARAM.test(name));
  return param === undefined ? undefined : `the query parameter '${param}'`;
}
