import { inputErrorMessage, issueMessage } from '../../zod-messages.js';
import { UsageError } from '../../../errors.js';
import { parseDuration } from '../../../durations.js';
import {
  headerNamePattern,
  headerNames,
  urlCredentials,
  type RegisteredProvider,
} from '../../../providers/registry.js';
import type { ConnectionFlags } from './config-flags.js';

/** The flags that make a connection's config. */
export type ConfigFlags = Pick<
  ConnectionFlags,
  'connectTimeout' | 'firstByteTimeout' | 'idleTimeout' | 'baseUrl' | 'endpoint' | 'region' | 'profile' | 'header'
>;

/** Where each config key comes from on the command line, for error messages. */
const flagOf: Record<string, string> = {
  baseUrl: '--base-url',
  region: '--region',
  profile: '--profile',
  headers: '--header',
};

/**
 * The connection's non-secret config from the flags, merged over `current` (for update) and validated
 * by the provider's schema from the registry. Errors name the flag. `--header` contributes only the
 * header's NAME: its value is a secret (see `headerSecretFields` in secret.ts).
 */
export function buildConfig(
  provider: RegisteredProvider,
  flags: ConfigFlags,
  current: Record<string, unknown> = {},
): Record<string, unknown> {
  if (flags.baseUrl && flags.endpoint && flags.baseUrl !== flags.endpoint) {
    throw new UsageError('--base-url and --endpoint are the same setting; give one');
  }
  const next: Record<string, unknown> = { ...current };
  const baseUrl = flags.baseUrl ?? flags.endpoint;
  if (baseUrl !== undefined)
    next.baseUrl = checkedBaseUrl(baseUrl, flags.baseUrl ? '--base-url' : '--endpoint').replace(/\/+$/, '');
  if (flags.region !== undefined) next.region = flags.region;
  if (flags.profile !== undefined) next.profile = flags.profile;
  if (flags.connectTimeout !== undefined)
    next.connectTimeoutMs = parseDuration(flags.connectTimeout, '--connect-timeout');
  if (flags.firstByteTimeout !== undefined)
    next.firstByteTimeoutMs = parseDuration(flags.firstByteTimeout, '--first-byte-timeout');
  if (flags.idleTimeout !== undefined) next.idleTimeoutMs = parseDuration(flags.idleTimeout, '--idle-timeout');
  // A row written before header values were secrets holds a name → value map: only the names stay.
  const names = mergeHeaderNames(headerNames(current), parseHeaders(flags.header));
  next.headers = names.length > 0 ? names : undefined;
  for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];

  const result = provider.config.safeParse(next);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const flag = flagOf[issue.keys[0]!] ?? issue.keys[0];
    throw new UsageError(`${flag} does not apply to provider ${provider.id}`);
  }
  const key = String(issue.path[0] ?? '');
  const flag = flagOf[key] ?? key;
  if (issue.code === 'invalid_type' && next[key] === undefined)
    throw new UsageError(`invalid ${flag}: required for provider ${provider.id}`);
  throw new UsageError(inputErrorMessage(flag, issueMessage(issue)));
}

/** One `--header 'Name: value'`; an empty value removes the header (on update). */
export interface HeaderFlag {
  name: string;
  value: string;
}

/**
 * The `--header` flags, in order. The error never repeats the flag's text: it is usually a secret
 * (`api-key: …`), and a malformed one may be nothing but the secret.
 */
export function parseHeaders(flags: string[] | undefined): HeaderFlag[] {
  return (flags ?? []).map((text) => {
    const colon = text.indexOf(':');
    const name = colon > 0 ? text.slice(0, colon).trim() : '';
    if (!headerNamePattern.test(name)) {
      throw new UsageError(
        "invalid --header: expected 'Name: value' with a header name such as X-Api-Key before the colon",
      );
    }
    return { name, value: text.slice(colon + 1).trim() };
  });
}

/**
 * The header names after applying the flags to `current`. Names compare case-insensitively (as
 * HTTP does); a header given again takes the new spelling.
 */
export function mergeHeaderNames(current: string[], flags: HeaderFlag[]): string[] {
  let names = [...current];
  for (const { name, value } of flags) {
    names = names.filter((existing) => existing.toLowerCase() !== name.toLowerCase());
    if (value !== '') names.push(name);
  }
  return names;
}

/** A base URL, refused when it carries a credential; the message never repeats the URL. */
function checkedBaseUrl(url: string, flag: string): string {
  const found = urlCredentials(url);
  if (found === undefined) return url;
  throw new UsageError(
    `invalid ${flag}: it carries ${found}; credentials in a URL end up in logs and the database, so vmx refuses them`,
    "pass the key with --api-key-stdin or --api-key-env <VAR>, or as a header with --header 'Name: value' (stored in the credential store)",
  );
}
