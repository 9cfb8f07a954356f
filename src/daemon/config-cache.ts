import type { Logger } from 'pino';
import { connectionSecretFields } from '../providers/registry.js';
import { connectionTarget, type ConnectionTarget } from '../providers/types.js';
import type { ConnectionSecrets } from '../store/credentials/index.js';
import type { Store } from '../store/open.js';
import type { Connection } from '../store/repos/connections.js';
import { buildSnapshot, mayBeUnknownYet, type ConfigSnapshot, type LiveConfig } from './config-snapshot.js';

export type { ConfigSnapshot, EnvironmentConfig } from './config-snapshot.js';

/**
 * Live configuration. The CLI writes the SQLite file directly; the daemon keeps everything it needs
 * for a request in memory and polls `PRAGMA data_version` (which changes only when another connection
 * commits), then the configuration version, to reload within a fraction of a second — no database
 * read per request.
 */
export class ConfigCache implements LiveConfig {
  private current: ConfigSnapshot;
  private version: number;
  private configVersion: number;
  private readonly timer: NodeJS.Timeout;
  private readonly targetCache = new Map<string, { stamp: string; target: ConnectionTarget }>();
  private readonly listeners: ((snapshot: ConfigSnapshot) => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly secrets: ConnectionSecrets,
    private readonly logger: Logger,
    pollMs = 200,
  ) {
    this.version = this.dataVersion();
    this.configVersion = store.configVersion();
    this.current = this.load();
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
  }

  snapshot(): ConfigSnapshot {
    return this.current;
  }

  onLoad(listener: (snapshot: ConfigSnapshot) => void): void {
    this.listeners.push(listener);
    listener(this.current);
  }

  /** See {@link LiveConfig.fresh}: here the change check is one pragma, answered at once. */
  fresh<T>(read: (snapshot: ConfigSnapshot) => T): T {
    try {
      return read(this.current);
    } catch (error) {
      if (!mayBeUnknownYet(error) || !this.poll()) throw error;
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

  /**
   * Reloads now if the configuration changed (also called by the poll timer); true when it did.
   * `data_version` moves with every commit of another connection, the writer thread's batches too;
   * only when it moved is the configuration version read, and only when that moved is it reloaded.
   */
  poll(): boolean {
    let version: number;
    let config: number;
    try {
      version = this.dataVersion();
      if (version === this.version) return false;
      config = this.store.configVersion();
    } catch (error) {
      // Busy in a rare moment (another process recovering the log): the next poll looks again.
      this.logger.debug({ err: error }, 'configuration change check failed');
      return false;
    }
    this.version = version;
    if (config === this.configVersion) return false;
    this.configVersion = config;
    try {
      this.current = this.load();
      this.logger.debug('configuration reloaded');
      for (const listener of this.listeners) listener(this.current);
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
    const store = this.store;
    return buildSnapshot({
      workspaces: store.workspaces.all(),
      environments: store.environments.all(),
      resources: (id) => store.resources.list(id),
      connections: (id) => store.connections.list(id),
      pools: (id) => store.pools.list(id),
      keys: store.apiKeys.listWithHashes(),
    });
  }
}
