import { createHash } from 'node:crypto';
import { AuthenticationError, NotFoundError } from '../../errors.js';
import type { ApiKeyWithHash } from '../../store/repos/api-keys.js';
import type { ConfigSnapshot, EnvironmentConfig } from './config-cache.js';

export interface Caller {
  env: EnvironmentConfig;
  key: ApiKeyWithHash;
}

/** The environment named by the path (id or name); unknown → 404. */
export function resolveEnvironmentConfig(snapshot: ConfigSnapshot, workspace: string, environment: string): EnvironmentConfig {
  const env = snapshot.environment(workspace, environment);
  if (!env) throw new NotFoundError(`workspace/environment '${workspace}/${environment}' not found`);
  return env;
}

/**
 * The API key from `Authorization: Bearer` or `x-api-key`, looked up by its SHA-256 in memory. Unknown,
 * disabled, expired and other-environment keys all get the same 401, so a caller learns nothing.
 */
export function authenticate(
  env: EnvironmentConfig,
  snapshot: ConfigSnapshot,
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): ApiKeyWithHash {
  const presented = presentedKey(headers);
  if (!presented) throw new AuthenticationError('missing API key: send Authorization: Bearer <key> or x-api-key');
  const key = snapshot.key(createHash('sha256').update(presented).digest('hex'));
  if (!key || key.environmentId !== env.environment.id || !key.enabled || (key.expiresAt !== null && Date.parse(key.expiresAt) <= now)) {
    throw new AuthenticationError();
  }
  return key;
}

/** The path's environment and the caller's key, for routes that do not record an audit row of their own. */
export function authorize(
  snapshot: ConfigSnapshot,
  params: { workspace: string; environment: string },
  headers: Record<string, string | string[] | undefined>,
): Caller {
  const env = resolveEnvironmentConfig(snapshot, params.workspace, params.environment);
  return { env, key: authenticate(env, snapshot, headers) };
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
