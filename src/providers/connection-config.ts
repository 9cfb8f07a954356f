/**
 * What every provider's connection config shares, as plain functions (no zod): extra headers (names in
 * config, values secret), credentials in a URL, and the upstream timeouts.
 */

/** An HTTP header name (RFC 9110 token). */
export const headerNamePattern = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

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
