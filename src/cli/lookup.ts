import { NotFoundError } from '../errors.js';
import type { Repositories } from '../store/backend.js';
import type { ApiKey } from '../store/repos/api-keys.js';
import type { Connection } from '../store/repos/connections.js';
import type { Pool } from '../store/repos/pools.js';
import type { Resource } from '../store/repos/resources.js';
import type { EnvironmentScope } from './scope.js';

/** Entities below an environment, found by id or name, or a not-found error naming the environment. */
export const findConnection = async (scope: EnvironmentScope, store: Repositories, ref: string): Promise<Connection> =>
  (await store.connections.find(scope.environment.id, ref)) ?? notFoundIn(scope, 'connection', ref);

export const findResource = async (scope: EnvironmentScope, store: Repositories, ref: string): Promise<Resource> =>
  (await store.resources.find(scope.environment.id, ref)) ?? notFoundIn(scope, 'resource', ref);

export const findApiKey = async (scope: EnvironmentScope, store: Repositories, ref: string): Promise<ApiKey> =>
  (await store.apiKeys.find(scope.environment.id, ref)) ?? notFoundIn(scope, 'API key', ref);

export const findPool = async (scope: EnvironmentScope, store: Repositories, ref: string): Promise<Pool> =>
  (await store.pools.find(scope.environment.id, ref)) ?? notFoundIn(scope, 'pool', ref);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A key named in a history filter: a key of the environment, or the id of one since revoked. */
export const historyKeyId = async (scope: EnvironmentScope, store: Repositories, ref: string): Promise<string> =>
  (await store.apiKeys.find(scope.environment.id, ref))?.id ??
  (UUID.test(ref) ? ref.toLowerCase() : notFoundIn(scope, 'API key', ref));

/** A connection named in a history filter: a connection of the environment, or the id of one since removed. */
export const historyConnectionId = async (scope: EnvironmentScope, store: Repositories, ref: string): Promise<string> =>
  (await store.connections.find(scope.environment.id, ref))?.id ??
  (UUID.test(ref) ? ref.toLowerCase() : notFoundIn(scope, 'connection', ref));

/** The not-found error for an entity of the scope's environment. */
export function notFoundIn(scope: EnvironmentScope, kind: string, ref: string): never {
  throw new NotFoundError(
    `${kind} '${ref}' not found in environment '${scope.workspace.name}/${scope.environment.name}'`,
  );
}
