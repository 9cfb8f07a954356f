import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, it } from 'vitest';
import type { CounterStore, CounterUse } from '../../src/gateway/capacity/counter-store.js';
import type { DaemonOptions } from '../../src/daemon/options.js';
import { sqliteBackend, type StoreBackend } from '../../src/store/backend.js';
import { AsyncConnectionSecrets } from '../../src/store/credentials/connection-secrets.js';
import { ConnectionSecrets, FileStore } from '../../src/store/credentials/index.js';
import { loadSecretKeys } from '../../src/store/credentials/sealed-keys.js';
import { SealedCredentialStore } from '../../src/store/credentials/sealed-store.js';
import { openStore, type Store } from '../../src/store/open.js';
import { PgCounters } from '../../src/store/postgres/counters.js';
import { openPostgresBackend } from '../../src/store/postgres/open.js';
import { RedisCounters } from '../../src/store/redis/counters.js';
import { freshSchema, postgresUrl } from './postgres.js';
import { redisUrl } from './redis.js';

/**
 * The stores a daemon suite runs on (DESIGN.md "Scale-out"): the embedded SQLite file; PostgreSQL
 * with its counters and error rates in PostgreSQL too; PostgreSQL with them in Redis.
 */
export type GatewayBackend = 'sqlite' | 'postgres' | 'postgres+redis';

/** What a test gateway runs on, as the test sees it. */
export interface GatewayStore {
  backend: GatewayBackend;
  /** The store through its repositories, as the CLI of another machine would see it. */
  repos: StoreBackend;
  /** The SQLite file itself, for the tests about SQLite alone; undefined on a shared store. */
  sqlite: Store | undefined;
  /** The environment a CLI on another machine is given to use this store (the URLs, the secret key). */
  cliEnv: Record<string, string>;
  /** What the daemon is started with to use this store. */
  daemon: Pick<DaemonOptions, 'databaseUrl' | 'redisUrl' | 'env'>;
  /**
   * What a capacity counter holds in a window, read where this store keeps counters (SQLite: the
   * counters the daemon saved when it stopped; PostgreSQL or Redis: live).
   */
  counterUse(key: string, windowStart: number): Promise<CounterUse>;
  /** Stores a connection's provider secret where this store's daemons read it. */
  writeSecret(connectionId: string, values: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/** Opens a new, empty store of the given kind for a gateway whose data dir is `home`. */
export async function openGatewayStore(backend: GatewayBackend, home: string): Promise<GatewayStore> {
  if (backend === 'sqlite') {
    const store = openStore(join(home, 'vmx.db'));
    const files = new ConnectionSecrets(new FileStore(home), {});
    return {
      backend,
      repos: sqliteBackend(store),
      sqlite: store,
      cliEnv: {},
      daemon: { env: { VMX_CREDENTIAL_STORE: 'file' } },
      writeSecret: async (connectionId, values) => files.write(connectionId, values),
      async counterUse(key, windowStart) {
        const row = store.capacityCounters.all().find((r) => r.key === key && r.windowStart === windowStart);
        return { requests: row?.requests ?? 0, tokens: row?.tokens ?? 0 };
      },
      close: async () => store.close(),
    };
  }
  const redis = backend === 'postgres+redis' ? redisUrl() : undefined;
  if (backend === 'postgres+redis' && !redis) throw new Error('postgres+redis needs VMX_TEST_REDIS_URL');
  const database = await freshSchema();
  const repos = await openPostgresBackend(database.url, { maxConnections: 4 });
  const redisClient = redis ? new Redis(redis, { maxRetriesPerRequest: 1 }) : undefined;
  const counters: CounterStore = redisClient ? new RedisCounters(redisClient) : new PgCounters(repos.pool);
  const env = { VMX_SECRET_KEY: randomBytes(32).toString('base64') };
  const secrets = new AsyncConnectionSecrets(
    new SealedCredentialStore(repos.sealedSecrets!, loadSecretKeys({ env })),
    {},
  );
  return {
    backend,
    repos,
    sqlite: undefined,
    cliEnv: { VMX_DATABASE_URL: database.url, ...(redis ? { VMX_REDIS_URL: redis } : {}), ...env },
    daemon: { databaseUrl: database.url, redisUrl: redis, env },
    writeSecret: (connectionId, values) => secrets.write(connectionId, values),
    counterUse: async (key, windowStart) => counters.used(key, windowStart),
    async close() {
      redisClient?.disconnect();
      await repos.close();
      await database.drop();
    },
  };
}

/** The backends a daemon suite can run on here: SQLite always, the shared ones when their servers are given. */
export function availableGatewayBackends(wanted: readonly GatewayBackend[]): GatewayBackend[] {
  return wanted.filter(
    (backend) =>
      backend === 'sqlite' || (postgresUrl() !== undefined && (backend === 'postgres' || redisUrl() !== undefined)),
  );
}

/**
 * The same daemon suite on every store (acceptance of "Scale-out": one suite, every backend): SQLite
 * and PostgreSQL + Redis by default; a suite about counters or error rates also asks for PostgreSQL
 * alone. A backend whose server is not given is one skipped line, so `npm test` runs without them.
 */
export function describeEachGateway(
  title: string,
  suite: (backend: GatewayBackend) => void,
  wanted: readonly GatewayBackend[] = ['sqlite', 'postgres+redis'],
): void {
  const available = availableGatewayBackends(wanted);
  for (const backend of available) describe(`${backend}: ${title}`, () => suite(backend));
  for (const backend of wanted.filter((b) => !available.includes(b))) {
    describe.skip(`${backend}: skipped, VMX_TEST_DATABASE_URL${backend === 'postgres' ? '' : ' and VMX_TEST_REDIS_URL'} not set`, () => {
      it(title, () => undefined);
    });
  }
}
