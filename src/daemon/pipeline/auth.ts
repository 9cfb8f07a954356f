import { hashApiKey } from '../../gateway/key-material.js';
import { AuthenticationError, NotFoundError } from '../../errors.js';
import type { ApiKeyWithHash } from '../../store/repos/api-keys.js';
import type { ConfigSnapshot, EnvironmentConfig } from '../config-cache.js';

export interface Caller {
  env: EnvironmentConfig;
  key: ApiKeyWithHash;
}

/** The workspace and environment a full route names (`/v1/completion/{ws}/{env}/…`); the short routes name none. */
export type RoutePlace = { workspace: string; environment: string } | undefined;

/** The environment named by the path (id or name); unknown → 404. */
export function resolveEnvironmentConfig(
  snapshot: ConfigSnapshot,
  workspace: string,
  environment: string,
): EnvironmentConfig {
  const env = snapshot.environment(workspace, environment);
  if (!env) throw new NotFoundError(`workspace/environment '${workspace}/${environment}' not found`);
  return env;
}

/**
 * The API key from `Authorization: Bearer` or `x-api-key`, looked up by its SHA-256 in memory, and the
 * environment it acts in: the path's (`env`, on the full routes), else the key's own (short routes).
 * Unknown, disabled, expired and other-environment keys all get the same 401, so a caller learns nothing.
 * A key of the acting environment that is disabled or expired is still told to `refused` before the
 * 401, so that the request's records say which key it was (the caller is not told).
 */
export function authenticate(
  snapshot: ConfigSnapshot,
  env: EnvironmentConfig | undefined,
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
  refused?: (known: Caller) => void,
): Caller {
  const presented = presentedKey(headers);
  if (!presented) throw new AuthenticationError('missing API key: send Authorization: Bearer <key> or x-api-key');
  const key = snapshot.key(keyHash(presented));
  const acting = env ?? (key && snapshot.environmentById(key.environmentId));
  if (!key || !acting || key.environmentId !== acting.environment.id) throw new AuthenticationError();
  if (!key.enabled || (key.expiresAt !== null && Date.parse(key.expiresAt) <= now)) {
    refused?.({ env: acting, key });
    throw new AuthenticationError();
  }
  return { env: acting, key };
}

/** The caller of a route that records no audit row of its own (models, count_tokens). */
export function authorize(
  snapshot: ConfigSnapshot,
  place: RoutePlace,
  headers: Record<string, string | string[] | undefined>,
): Caller {
  const env = place && resolveEnvironmentConfig(snapshot, place.workspace, place.environment);
  return authenticate(snapshot, env, headers);
}

const KNOWN_HASHES = 1_000;
const hashes = new Map<string, string>();

/**
 * The SHA-256 of a presented key, remembered for the few keys that call again and again (a client
 * sends its key on every request). Bounded: past KNOWN_HASHES keys the memory starts over. Only the
 * presented text and its hash are kept, never a stored key.
 */
function keyHash(presented: string): string {
  let hash = hashes.get(presented);
  if (hash === undefined) {
    hash = hashApiKey(presented);
    if (hashes.size >= KNOWN_HASHES) hashes.clear();
    hashes.set(presented, hash);
  }
  return hash;
}

function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const xApiKey = headers['x-api-key'];
  if (typeof xApiKey === 'string' && xApiKey) return xApiKey.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    if (match) return match[1]!.trim();
  }
  return undefined;
}
