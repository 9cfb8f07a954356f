import { z } from 'zod';
import { headerNamePattern, urlCredentials } from './connection-config.js';
import type { UpstreamClient } from './http/upstream-client.js';
import { UpstreamUnavailable, type ConnectionTarget, type ProviderAdapter } from './types.js';

/** A secret credential field; stored in the keychain, never in the database. */
export type SecretField = 'apiKey' | 'secretAccessKey' | 'accessKeyId';

/** A base URL: http(s), and never one carrying a credential. */
export const httpUrl = z
  .string()
  .url('must be a URL such as https://host/v1')
  .refine((value) => /^https?:\/\//.test(value), 'must start with http:// or https://')
  // The CLI refuses these with a hint first; this keeps any other writer from storing one.
  .refine((value) => urlCredentials(value) === undefined, 'must not carry credentials');

/** The non-secret settings every provider accepts; a provider's schema extends them. */
export const commonConfig = {
  baseUrl: httpUrl.optional(),
  /** The NAMES of the extra request headers (`--header`); their values are secrets (connection-config.ts). */
  headers: z.array(z.string().regex(headerNamePattern)).optional(),
  connectTimeoutMs: z.number().int().positive().optional(),
  firstByteTimeoutMs: z.number().int().positive().optional(),
  idleTimeoutMs: z.number().int().positive().optional(),
};

/** The usual secret: one API key, required unless the provider's servers usually take none. */
export const apiKeySecret = (required: boolean) => ({ field: 'apiKey' as const, label: 'API key', required });

/** The settings every connection has, as its provider's schema parses them. */
export type CommonSettings = z.output<z.ZodObject<typeof commonConfig>>;

/** What a provider's adapter factory is given. */
export interface AdapterDeps<S> {
  /** The keep-alive HTTP client (one undici pool per connection), for adapters that speak plain HTTP. */
  client: UpstreamClient;
  /**
   * The connection's config as this provider's schema parses it, once per connection version. A stored
   * config the schema refuses (written by hand, or by another version) fails the call as unavailable (502).
   */
  settings(target: ConnectionTarget): S;
}

/** How the genai-prices catalog knows a provider's models. */
export interface Pricing {
  /**
   * The genai-prices provider id; null when only the connection's base URL can name one (its
   * `api_pattern`), so that a local server is never priced as a hosted model of the same name.
   */
  catalogId: string | null;
  /** The model id as the catalog spells it, where the provider's own differs. */
  catalogModel?(model: string): string;
}

/** A setting `vmx init` asks for on a terminal when no flag gives it: one a connection cannot do without. */
export interface SetupQuestion {
  setting: 'baseUrl' | 'region';
  question: string;
  default: string;
}

/** One provider, as its module defines it: everything vmx knows about it, in one place. */
export interface ProviderDefinition<S extends CommonSettings> {
  /** Shown by the CLI (prompts, `connection show`). */
  label: string;
  /** The model a new resource gets when none is named (e.g. by `vmx init`). */
  defaultModel: string;
  /** Where requests go unless the connection sets `baseUrl`. */
  defaultBaseUrl?: string;
  /** Validates the non-secret config stored in the database (strict: a key the provider does not read is refused). */
  config: z.ZodType<S>;
  /** The secret read from `--api-key-stdin`/`--api-key-env`/the hidden prompt, and whether it is required. */
  secret: { field: SecretField; label: string; required: boolean };
  /** Every secret field a connection of this provider may store (one keychain entry holds them all). */
  secretFields: readonly SecretField[];
  /** What `vmx init` asks for on a terminal when no flag gives it. */
  questions?: readonly SetupQuestion[];
  pricing: Pricing;
  /** Makes the provider's adapter; called once per daemon (or per `vmx connection test`). */
  adapter(deps: AdapterDeps<S>): ProviderAdapter;
}

/** A provider as the registry lists it: its settings type erased, its adapter made from an HTTP client. */
export interface Provider extends Omit<ProviderDefinition<CommonSettings>, 'config' | 'adapter'> {
  config: z.ZodType<Record<string, unknown>>;
  adapter(client: UpstreamClient): ProviderAdapter;
}

/** A provider's module ends with this: its definition, with the adapter reading settings through its own schema. */
export function defineProvider<S extends CommonSettings>(definition: ProviderDefinition<S>): Provider {
  return {
    ...definition,
    adapter: (client) => definition.adapter({ client, settings: settingsReader(definition.config) }),
  };
}

/** Parses a target's config once per target (the daemon builds one per connection version). */
function settingsReader<S>(schema: z.ZodType<S>): (target: ConnectionTarget) => S {
  const parsed = new WeakMap<ConnectionTarget, S>();
  return (target) => {
    const known = parsed.get(target);
    if (known !== undefined) return known;
    const result = schema.safeParse(target.config);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new UpstreamUnavailable(
        `connection ${target.name} has an invalid stored config (${where}${issue?.message ?? 'invalid'}); fix it with \`vmx connection update\``,
        502,
      );
    }
    parsed.set(target, result.data);
    return result.data;
  };
}
