import { NotFoundError } from '../errors.js';
import type { Store } from '../store/open.js';
import type { ApiKey } from '../store/repos/api-keys.js';
import type { Connection } from '../store/repos/connections.js';
import type { Resource } from '../store/repos/resources.js';
import type { EnvironmentScope } from './scope.js';

/** Entities below an environment, found by id or name, or a not-found error naming the environment. */
export const findConnection = (scope: EnvironmentScope, store: Store, ref: string): Connection =>
  store.connections.find(scope.environment.id, ref) ?? missing('connection', ref, scope);

export const findResource = (scope: EnvironmentScope, store: Store, ref: string): Resource =>
  store.resources.find(scope.environment.id, ref) ?? missing('resource', ref, scope);

export const findApiKey = (scope: EnvironmentScope, store: Store, ref: string): ApiKey =>
  store.apiKeys.find(scope.environment.id, ref) ?? missing('API key', ref, scope);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A key named in a history filter: a key of the environment, or the id of one since revoked. */
export const historyKeyId = (scope: EnvironmentScope, store: Store, ref: string): string =>
  store.apiKeys.find(scope.environment.id, ref)?.id ??
  (UUID.test(ref) ? ref.toLowerCase() : missing('API key', ref, scope));

function missing(kind: string, ref: string, scope: EnvironmentScope): never {
  throw new NotFoundError(
    `${kind} '${ref}' not found in environment '${scope.workspace.name}/${scope.environment.name}'`,
  );
}
