import type { Redis } from 'ioredis';
import type { CounterStore } from '../gateway/capacity/counter-store.js';
import { SharedErrorRates, type ErrorRateStore } from '../gateway/health/shared-error-rates.js';
import type { PoolStateStore } from '../gateway/pools/state-store.js';
import { createAdapters } from '../providers/adapters.js';
import { codecs } from '../providers/dialects/index.js';
import { AsyncConnectionSecrets } from '../store/credentials/connection-secrets.js';
import { loadSecretKeys } from '../store/credentials/sealed-keys.js';
import { SealedCredentialStore } from '../store/credentials/sealed-store.js';
import { PgCounters, PgErrorRateStore } from '../store/postgres/counters.js';
import { openPostgresBackend, type PostgresBackend } from '../store/postgres/open.js';
import { PgPoolStates } from '../store/postgres/pool-states.js';
import { PgRecordWriter } from '../store/postgres/record-writer.js';
import { pgSecretTable } from '../store/postgres/repos/connection-secrets.js';
import { connectRedis } from '../store/redis/connect.js';
import { withoutPassword } from '../store/url.js';
import { RedisCounters } from '../store/redis/counters.js';
import { RedisErrorRateStore } from '../store/redis/error-rates.js';
import { RedisPoolStates } from '../store/redis/pool-states.js';
import { version } from '../version.js';
import { createGateway } from './gateway.js';
import type { Logger } from './logger.js';
import type { DaemonParts } from './parts.js';
import type { DaemonOptions } from './options.js';
import { SharedConfig } from './shared-config.js';
import { DaemonStatus } from './status.js';

/** How often a daemon sends its attempts' outcomes and reads everyone's (error-rate routing). */
const ERROR_RATES_SYNC_MS = 1_000;

/**
 * A daemon on a shared store (DESIGN.md "Scale-out"): configuration, usage and audit in PostgreSQL,
 * provider secrets sealed in it; capacity counters and error rates in Redis when one is given, else
 * in PostgreSQL. Any number of daemons on the same URLs answer as one.
 */
export async function openSharedParts(
  databaseUrl: string,
  options: DaemonOptions,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<DaemonParts> {
  // A bad key or key file fails the start, not the first request that needs a secret.
  const keys = loadSecretKeys({ keyFile: options.secretKeyFile, env });
  const store = await openPostgresBackend(databaseUrl, { maxConnections: 16 });
  const redisUrl = options.redisUrl || env.VMX_REDIS_URL || undefined;
  let redis: Redis | undefined;
  try {
    redis = redisUrl ? await connectRedis(redisUrl, (error) => logger.warn({ err: error }, 'redis')) : undefined;
    const secrets = new AsyncConnectionSecrets(new SealedCredentialStore(pgSecretTable(store.pool), keys), env);
    const config = await SharedConfig.open(store, secrets, logger);
    return await assemble(store, redis, config, options, logger, {
      database: store.location,
      counters: redisUrl ? withoutPassword(redisUrl) : store.location,
    });
  } catch (error) {
    redis?.disconnect();
    await store.close();
    throw error;
  }
}

async function assemble(
  store: PostgresBackend,
  redis: Redis | undefined,
  config: SharedConfig,
  options: DaemonOptions,
  logger: Logger,
  where: { database: string; counters: string },
): Promise<DaemonParts> {
  const recorder = new PgRecordWriter(store.pool, { report: (level, message) => logger[level](message) });
  const counterStore: CounterStore = redis ? new RedisCounters(redis) : new PgCounters(store.pool);
  const rateStore: ErrorRateStore = redis ? new RedisErrorRateStore(redis) : new PgErrorRateStore(store.pool);
  const poolStates: PoolStateStore = redis ? new RedisPoolStates(redis) : new PgPoolStates(store.pool);
  const errorRates = new SharedErrorRates(rateStore, options.clock);
  await errorRates.sync();
  const syncing = setInterval(
    () => void errorRates.sync().catch((error) => logger.warn({ err: error }, 'error rates not shared this time')),
    ERROR_RATES_SYNC_MS,
  );
  syncing.unref();
  const status = new DaemonStatus();
  const { adapters, client } = createAdapters();
  const gateway = createGateway({
    config,
    recorder,
    logger,
    status,
    version,
    adapters,
    codecs,
    clock: options.clock,
    counterStore,
    errorRates,
    poolStates,
  });
  logger.info(where, `shared store: ${where.database}; counters: ${where.counters}`);
  const closeShared = async () => {
    clearInterval(syncing);
    await errorRates.flush().catch((error) => logger.warn({ err: error }, 'last error rates not shared'));
    redis?.disconnect();
    await store.close();
  };
  return {
    repositories: store,
    soleDaemon: false,
    config,
    recorder,
    client,
    status,
    gateway,
    closeStore: closeShared,
    async abandon() {
      recorder.stop();
      await config.stop();
      await closeShared();
    },
  };
}
