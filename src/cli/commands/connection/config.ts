import { UsageError } from '../../../errors.js';
import { parseDuration } from '../../../durations.js';
import type { ProviderInfo } from '../../../providers/registry.js';

export interface ConfigFlags {
  connectTimeout?: string;
  firstByteTimeout?: string;
  baseUrl?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  header?: string[];
}

/** Where each config key comes from on the command line, for error messages. */
const flagOf: Record<string, string> = {
  baseUrl: '--base-url',
  region: '--region',
  profile: '--profile',
  headers: '--header',
};

/**
 * The connection's non-secret config from the flags, merged over `current` (for update) and validated
 * by the provider's schema from the registry. Errors name the flag.
 */
export function buildConfig(
  provider: ProviderInfo,
  flags: ConfigFlags,
  current: Record<string, unknown> = {},
): Record<string, unknown> {
  if (flags.baseUrl && flags.endpoint && flags.baseUrl !== flags.endpoint) {
    throw new UsageError('--base-url and --endpoint are the same setting; give one');
  }
  const next: Record<string, unknown> = { ...current };
  const baseUrl = flags.baseUrl ?? flags.endpoint;
  if (baseUrl !== undefined) next.baseUrl = baseUrl.replace(/\/+$/, '');
  if (flags.region !== undefined) next.region = flags.region;
  if (flags.profile !== undefined) next.profile = flags.profile;
  if (flags.connectTimeout !== undefined) next.connectTimeoutMs = parseDuration(flags.connectTimeout, '--connect-timeout');
  if (flags.firstByteTimeout !== undefined) next.firstByteTimeoutMs = parseDuration(flags.firstByteTimeout, '--first-byte-timeout');
  if (flags.header) {
    const headers = { ...((current.headers as Record<string, string> | undefined) ?? {}) };
    for (const [name, value] of flags.header.map(parseHeader)) {
      if (value === '') delete headers[name];
      else headers[name] = value;
    }
    next.headers = Object.keys(headers).length > 0 ? headers : undefined;
  }
  for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];

  const result = provider.configSchema.safeParse(next);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const flag = flagOf[issue.keys[0]!] ?? issue.keys[0];
    throw new UsageError(`${flag} does not apply to provider ${provider.id}`);
  }
  const key = String(issue.path[0] ?? '');
  const flag = flagOf[key] ?? key;
  const message = issue.code === 'invalid_type' && next[key] === undefined ? `required for provider ${provider.id}` : issue.message;
  throw new UsageError(`invalid ${flag}: ${message}`);
}

function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
    throw new UsageError(`invalid --header '${text}': expected 'Name: value'`);
  }
  return [name, text.slice(colon + 1).trim()];
}
