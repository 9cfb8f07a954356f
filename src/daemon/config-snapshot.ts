import { AuthenticationError, NotFoundError, ResourceNotAllowedError } from '../errors.js';
import { environmentPools, type EnvironmentPools } from '../gateway/pools/gate.js';
import type { ConnectionTarget } from '../providers/types.js';
import type { ApiKeyWithHash } from '../store/repos/api-keys.js';
import type { Connection } from '../store/repos/connections.js';
import type { Environment } from '../store/repos/environments.js';
import type { Pool } from '../store/repos/pools.js';
import type { Resource } from '../store/repos/resources.js';
import type { Workspace } from '../store/repos/workspaces.js';

/** One environment's configuration as the request path reads it: plain maps, no SQL. */
export interface EnvironmentConfig {
  workspace: Workspace;
  environment: Environment;
  resources: Map<string, Resource>;
  connections: Map<string, Connection>;
  /** The environment's prioritization pools; undefined when it has none. */
  pools: EnvironmentPools | undefined;
}

/** An immutable view of the whole configuration; a reload builds a new one and swaps it in. */
export interface ConfigSnapshot {
  /** By workspace id or name, then environment id or name. */
  environment(workspaceRef: string, environmentRef: string): EnvironmentConfig | undefined;
  /** By environment id (the short routes take the environment from the key). */
  environmentById(id: string): EnvironmentConfig | undefined;
  /** By SHA-256 hash of the presented key. */
  key(hash: string): ApiKeyWithHash | undefined;
  /** By id (a batch runs its items as the key that created it). */
  keyById(id: string): ApiKeyWithHash | undefined;
  /** The providers some connection uses: their adapters load their SDKs ahead of the first call. */
  providers: ReadonlySet<string>;
}

/**
 * The live configuration the routes read: the embedded store's (config-cache.ts, answering at once)
 * or a shared store's (shared-config.ts, which may have to ask the database before answering).
 */
export interface LiveConfig {
  snapshot(): ConfigSnapshot;
  /**
   * Runs `read` on the current snapshot. When it fails as a 401, 403 or 404 — a key, environment or
   * resource this daemon may not know yet — and the configuration changed since the last reload,
   * reloads and runs it once more: a key works the moment `vmx key create` returns.
   */
  fresh<T>(read: (snapshot: ConfigSnapshot) => T): T | Promise<T>;
  /** A connection ready for its adapter: config, its provider's secret fields and its extra headers' values. */
  target(connection: Connection): ConnectionTarget;
  /** Calls `listener` with the current snapshot now and with every one a reload swaps in. */
  onLoad(listener: (snapshot: ConfigSnapshot) => void): void;
  stop(): void | Promise<void>;
}

/** The failures a newer configuration might turn into answers. */
export const mayBeUnknownYet = (error: unknown): boolean =>
  error instanceof AuthenticationError || error instanceof NotFoundError || error instanceof ResourceNotAllowedError;

/** What a snapshot is built from. */
export interface ConfigRows {
  workspaces: readonly Workspace[];
  environments: readonly Environment[];
  resources(environmentId: string): readonly Resource[];
  connections(environmentId: string): readonly Connection[];
  pools(environmentId: string): readonly Pool[];
  keys: readonly ApiKeyWithHash[];
}

export function buildSnapshot(rows: ConfigRows): ConfigSnapshot {
  const byWorkspace = new Map<string, Map<string, EnvironmentConfig>>();
  const byId = new Map<string, EnvironmentConfig>();
  const providers = new Set<string>();
  const workspaces = new Map(rows.workspaces.map((w) => [w.id, w]));
  for (const environment of rows.environments) {
    const workspace = workspaces.get(environment.workspaceId);
    if (!workspace) continue;
    const entry: EnvironmentConfig = {
      workspace,
      environment,
      resources: new Map(rows.resources(environment.id).map((r) => [r.name, r])),
      connections: new Map(rows.connections(environment.id).map((c) => [c.id, c])),
      pools: environmentPools(rows.pools(environment.id)),
    };
    byId.set(environment.id, entry);
    for (const connection of entry.connections.values()) providers.add(connection.provider);
    for (const wsKey of [workspace.id, workspace.name]) {
      let envs = byWorkspace.get(wsKey);
      if (!envs) byWorkspace.set(wsKey, (envs = new Map()));
      envs.set(environment.id, entry);
      envs.set(environment.name, entry);
    }
  }
  const keys = new Map(rows.keys.map((k) => [k.keyHash, k]));
  const keysById = new Map(rows.keys.map((k) => [k.id, k]));
  return {
    environment: (workspaceRef, environmentRef) => byWorkspace.get(workspaceRef)?.get(environmentRef),
    environmentById: (id) => byId.get(id),
    key: (hash) => keys.get(hash),
    keyById: (id) => keysById.get(id),
    providers,
  };
}
