import type { Logger } from 'pino';
import pg from 'pg';
import { connectionSecretFields } from '../providers/registry.js';
import { connectionTarget, UpstreamUnavailable, type ConnectionTarget } from '../providers/types.js';
import type { Async } from '../store/backend.js';
import type { ConnectionSecrets } from '../store/credentials/index.js';
import type { PostgresBackend } from '../store/postgres/open.js';
import { pgRepositories } from '../store/postgres/repositories.js';
import type { Pool } from '../store/repos/pools.js';
import type { Connection } from '../store/repos/connections.js';
import {
  buildSnapshot,
  mayBeUnknownYet,
  type ConfigRows,
  type ConfigSnapshot,
  type LiveConfig,
} from './config-snapshot.js';

/** The channel the store's triggers NOTIFY on every committed configuration change. */
const CHANNEL = 'vmx_config';

/** A connection ready for its adapter, or why it cannot be (its sealed secret did not open). */
type Target = { target: ConnectionTarget } | { error: Error };

/**
 * Live configuration from a shared PostgreSQL store: the whole configuration and every connection's
 * secret held in memory, reloaded when another daemon or CLI commits a change. Changes arrive by
 * LISTEN/NOTIFY within milliseconds; a version check every `pollMs` is the safety net for a lost
 * notification or a broken listening connection. A reload reads everything in one REPEATABLE READ
 * transaction, so a snapshot is never half of one change.
 */
export class SharedConfig implements LiveConfig {
  private current!: ConfigSnapshot;
  private version = -1;
  private targets = new Map<string, Target>();
  private readonly listeners: ((snapshot: ConfigSnapshot) => void)[] = [];
  private reloading: Promise<boolean> | undefined;
  /** The one check queued behind the reload in flight. */
  private checkAfter: Promise<boolean> | undefined;
  private listener: pg.Client | undefined;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  private constructor(
    private readonly store: PostgresBackend,
    private readonly secrets: Async<ConnectionSecrets>,
    private readonly logger: Logger,
    pollMs: number,
  ) {
    this.timer = setInterval(() => void this.check(), pollMs);
    this.timer.unref();
  }

  /** Loads the configuration (and fails the start when it cannot), then listens for changes. */
  static async open(
    store: PostgresBackend,
    secrets: Async<ConnectionSecrets>,
    logger: Logger,
    pollMs = 1_000,
  ): Promise<SharedConfig> {
    const config = new SharedConfig(store, secrets, logger, pollMs);
    try {
      await config.reload();
    } catch (error) {
      clearInterval(config.timer);
      throw error;
    }
    await config.listen();
    return config;
  }

  onLoad(listener: (snapshot: ConfigSnapshot) => void): void {
    this.listeners.push(listener);
    listener(this.current);
  }

  snapshot(): ConfigSnapshot {
    return this.current;
  }

  fresh<T>(read: (snapshot: ConfigSnapshot) => T): T | Promise<T> {
    try {
      return read(this.current);
    } catch (error) {
      if (!mayBeUnknownYet(error)) throw error;
      return this.check().then((changed) => {
        if (!changed) throw error;
        return read(this.current);
      });
    }
  }

  target(connection: Connection): ConnectionTarget {
    const known = this.targets.get(connection.id);
    if (known && 'target' in known) return known.target;
    if (known) throw known.error;
    throw new UpstreamUnavailable(`connection ${connection.name} is not loaded yet; retry`, 502);
  }

  /**
   * Reloads when the configuration's version moved; one reload at a time. True when it did. Asked
   * while a reload is in flight, it checks once more after that one: the change it was asked for may
   * have committed after the reload in flight read its snapshot (a key created a moment ago must not
   * get a 401).
   */
  check(): Promise<boolean> {
    if (!this.reloading) {
      this.reloading = this.reloadIfChanged().finally(() => (this.reloading = undefined));
      return this.reloading;
    }
    this.checkAfter ??= this.reloading.then(async (changed) => {
      this.checkAfter = undefined;
      return (await this.check()) || changed;
    });
    return this.checkAfter;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.reloading?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
  }

  private async reloadIfChanged(): Promise<boolean> {
    try {
      if ((await this.store.configVersion()) === this.version) return false;
      return await this.reload();
    } catch (error) {
      this.logger.error({ err: error }, 'configuration reload failed; keeping the previous one');
      return false;
    }
  }

  /** Reads the configuration and its version in one consistent transaction, then every secret. */
  private async reload(): Promise<boolean> {
    const client = await this.store.pool.connect();
    let rows: ConfigRows;
    let version: number;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      ({ rows, version } = await readAll(client));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    if (version === this.version) return false;
    const targets = await this.readTargets(rows);
    this.current = buildSnapshot(rows);
    this.targets = targets;
    this.version = version;
    this.logger.debug({ version }, 'configuration reloaded');
    for (const listener of this.listeners) listener(this.current);
    return true;
  }

  /** Every connection's target; one whose secret does not open fails its attempts (502), not the reload. */
  private async readTargets(rows: ConfigRows): Promise<Map<string, Target>> {
    const targets = new Map<string, Target>();
    const connections = rows.environments.flatMap((environment) => rows.connections(environment.id));
    await Promise.all(
      connections.map(async (connection) => {
        try {
          const { values } = await this.secrets.read(connection, connectionSecretFields(connection));
          targets.set(connection.id, { target: connectionTarget(connection, values) });
        } catch (error) {
          this.logger.warn({ connection: connection.name, err: error }, 'a connection secret could not be read');
          targets.set(connection.id, { error: new UpstreamUnavailable((error as Error).message, 502) });
        }
      }),
    );
    return targets;
  }

  /** LISTEN on a connection of its own; when it breaks, the poll covers until it is back. */
  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.store.connectionString });
    client.on('notification', () => void this.check());
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'configuration listener lost; polling until it is back');
      this.listener = undefined;
      client.end().catch(() => undefined);
      setTimeout(() => void this.listen().catch(() => undefined), 1_000).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
      // A change committed while the listener was away.
      void this.check();
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot listen for configuration changes; polling');
      await client.end().catch(() => undefined);
      setTimeout(() => void this.listen().catch(() => undefined), 1_000).unref();
    }
  }
}

/** The configuration as one transaction sees it, with the version of that state. */
async function readAll(client: pg.PoolClient): Promise<{ rows: ConfigRows; version: number }> {
  const repos = pgRepositories(client);
  const { rows: versions } = await client.query<{ version: string | number }>('SELECT version FROM config_version');
  const environments = await repos.environments.all();
  const resources = new Map<string, Awaited<ReturnType<typeof repos.resources.list>>>();
  const connections = new Map<string, Connection[]>();
  const pools = new Map<string, Pool[]>();
  for (const environment of environments) {
    resources.set(environment.id, await repos.resources.list(environment.id));
    connections.set(environment.id, await repos.connections.list(environment.id));
    pools.set(environment.id, await repos.pools.list(environment.id));
  }
  return {
    version: Number(versions[0]?.version ?? 0),
    rows: {
      workspaces: await repos.workspaces.all(),
      environments,
      resources: (id) => resources.get(id) ?? [],
      connections: (id) => connections.get(id) ?? [],
      pools: (id) => pools.get(id) ?? [],
      keys: await repos.apiKeys.listWithHashes(),
    },
  };
}
