import type { Logger } from 'pino';
import { AuthenticationError, NotFoundError, ResourceNotAllowedError } from '../errors.js';
import { connectionSecretFields } from '../providers/registry.js';
import { connectionTarget, type ConnectionTarget } from '../providers/types.js';
import type { ConnectionSecrets } from '../store/credentials/index.js';
import type { Store } from '../store/open.js';
import type { ApiKeyWithHash } from '../store/repos/api-keys.js';
import type { Connection } from '../store/repos/connections.js';
import type { Environment } from '../store/repos/environments.js';
import type { Resource } from '../store/repos/resources.js';
import type { Workspace } from '../store/repos/workspaces.js';

/** One environment's configuration as the request path reads it: plain maps, no SQL. */
export interface EnvironmentConfig {
  workspace: Workspace;
  environment: Environment;
  resources: Map<string, Resource>;
  connections: Map<string, Connection>;
}

/** An immutable view of the whole configuration; a reload builds a new one and swaps it in. */
export interface ConfigSnapshot {
  /** By workspace id or name, then environment id or name. */
  environment(workspaceRef: string, environmentRef: string): EnvironmentConfig | undefined;
  /** By environment id (the short routes take the environment from the key). */
  environmentById(id: string): EnvironmentConfig | undefined;
  /** By SHA-256 hash of the presented key. */
  key(hash: string): ApiKeyWithHash | undefined;
}

/**
 * Live configuration. The CLI writes the SQLite file directly; the daemon keeps everything it needs
 * for a request in memory and polls `PRAGMA data_version` (which changes only when another connection
 * commits) to reload within a fraction of a second — no database read per request.
 */
export class ConfigCache {
  private current: ConfigSnapshot;
  private version: number;
  private readonly timer: NodeJS.Timeout;
  private readonly targetCache = new Map<string, { stamp: string; target: ConnectionTarget }>();

  constructor(
    private readonly store: Store,
    private readonly secrets: ConnectionSecrets,
    private readonly logger: Logger,
    pollMs = 200,
  ) {
    this.version = this.dataVersion();
    this.current = this.load();
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
  }

  snapshot(): ConfigSnapshot {
    return this.current;
  }

  /**
   * Runs `read` on the current snapshot. When it fails as a 401, 403 or 404 — a key, environment or
   * resource this daemon may not know yet — and the database changed since the last reload, reloads
   * and runs it once more: a key works the moment `vmx key create` returns, without a database read
   * on every request.
   */
  fresh<T>(read: (snapshot: ConfigSnapshot) => T): T {
    try {
      return read(this.current);
    } catch (error) {
      const unknown =
        error instanceof AuthenticationError ||
        error instanceof NotFoundError ||
        error instanceof ResourceNotAllowedError;
      if (!unknown || !this.poll()) throw error;
      return read(this.current);
    }
  }

  /**
   * A connection's secret values (provider fields and header values; env overrides win), read from
   * the keychain once per connection version: editing the connection (e.g. rotating its key with the
   * CLI) bumps updatedAt and so the next request reads the new secret.
   */
  secret(connection: Connection): Record<string, string> {
    return this.target(connection).secret;
  }

  /**
   * A connection ready for its adapter: config, the secret fields its provider uses and its extra
   * headers' values. Built once per connection version, as it is asked for on every attempt.
   */
  target(connection: Connection): ConnectionTarget {
    const cached = this.targetCache.get(connection.id);
    if (cached && cached.stamp === connection.updatedAt) return cached.target;
    const { values } = this.secrets.read(connection, connectionSecretFields(connection));
    const target = connectionTarget(connection, values);
    this.targetCache.set(connection.id, { stamp: connection.updatedAt, target });
    return target;
  }

  /** Reloads now if the database changed (also called by the poll timer); true when it did. */
  poll(): boolean {
    let version: number;
    try {
      version = this.dataVersion();
    } catch (error) {
      // Busy in a rare moment (another process recovering the log): the next poll looks again.
      this.logger.debug({ err: error }, 'configuration change check failed');
      return false;
    }
    if (version === this.version) return false;
    this.version = version;
    try {
      this.current = this.load();
      this.logger.debug('configuration reloaded');
      return true;
    } catch (error) {
      this.logger.error({ err: error }, 'configuration reload failed; keeping the previous one');
      return false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private dataVersion(): number {
    return this.store.db.pragma('data_version', { simple: true }) as number;
  }

  private load(): ConfigSnapshot {
    const byWorkspace = new Map<string, Map<string, EnvironmentConfig>>();
    const byId = new Map<string, EnvironmentConfig>();
    const workspaces = new Map(this.store.workspaces.all().map((w) => [w.id, w]));
    for (const environment of this.store.environments.all()) {
      const workspace = workspaces.get(environment.workspaceId);
      if (!workspace) continue;
      const entry: EnvironmentConfig = {
        workspace,
        environment,
        resources: new Map(this.store.resources.list(environment.id).map((r) => [r.name, r])),
        connections: new Map(this.store.connections.list(environment.id).map((c) => [c.id, c])),
      };
      byId.set(environment.id, entry);
      for (const wsKey of [workspace.id, workspace.name]) {
        let envs = byWorkspace.get(wsKey);
        if (!envs) byWorkspace.set(wsKey, (envs = new Map()));
        envs.set(environment.id, entry);
        envs.set(environment.name, entry);
      }
    }
    const keys = new Map(this.store.apiKeys.listWithHashes().map((k) => [k.keyHash, k]));
    return {
      environment: (workspaceRef, environmentRef) => byWorkspace.get(workspaceRef)?.get(environmentRef),
      environmentById: (id) => byId.get(id),
      key: (hash) => keys.get(hash),
    };
  }
}
