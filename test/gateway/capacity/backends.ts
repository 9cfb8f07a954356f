import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { CounterStore } from '../../../src/gateway/capacity/counter-store.js';
import {
  isRejection,
  type Admission,
  type CapacityLevel,
  type CapacityRejection,
  type LimitSet,
  type Verdict,
} from '../../../src/gateway/capacity/gate.js';
import { parseLimits } from '../../../src/gateway/capacity/limits.js';
import { MemoryCounters } from '../../../src/gateway/capacity/memory-counters.js';
import { MemoryErrorRateStore, type ErrorRateStore } from '../../../src/gateway/health/shared-error-rates.js';
import { MemoryPoolStates, type PoolStateStore } from '../../../src/gateway/pools/state-store.js';
import { PgCounters, PgErrorRateStore } from '../../../src/store/postgres/counters.js';
import { PgPoolStates } from '../../../src/store/postgres/pool-states.js';
import { migrate } from '../../../src/store/postgres/migrate.js';
import { RedisCounters } from '../../../src/store/redis/counters.js';
import { RedisErrorRateStore } from '../../../src/store/redis/error-rates.js';
import { RedisPoolStates } from '../../../src/store/redis/pool-states.js';
import { REDIS_SKIPPED, redisScope, redisUrl } from '../../helpers/redis.js';

export const POSTGRES_SKIPPED =
  'PostgreSQL: skipped, VMX_TEST_DATABASE_URL is not set (a superuser URL; each file makes a scratch database)';

/**
 * Counters on which nothing was counted yet, as one daemon sees them (`store`), and as further
 * daemons sharing them do (`another()`: a connection of its own to the same Redis keys or tables).
 */
export interface Shared<T> {
  store: T;
  another(): T;
}

/** One backend of the counter suites: every test opens fresh counters; `close` once per file. */
export interface Backend {
  name: string;
  counters(): Promise<Shared<CounterStore>>;
  errorRates(): Promise<Shared<ErrorRateStore>>;
  poolStates(): Promise<Shared<PoolStateStore>>;
  close(): Promise<void>;
}

/**
 * Memory always; Redis and PostgreSQL when their test URLs are set. `skipped` holds the line to print
 * for each one left out. Call once per test file (it names the file's keys and scratch database).
 */
export function backends(file: string): { backends: Backend[]; skipped: string[] } {
  const list: Backend[] = [memoryBackend()];
  const skipped: string[] = [];
  if (redisUrl()) list.push(redisBackend(file));
  else skipped.push(REDIS_SKIPPED);
  const databaseUrl = process.env.VMX_TEST_DATABASE_URL;
  if (databaseUrl) list.push(postgresBackend(databaseUrl));
  else skipped.push(POSTGRES_SKIPPED);
  return { backends: list, skipped };
}

function memoryBackend(): Backend {
  const one = <T>(store: T): Shared<T> => ({ store, another: () => store });
  return {
    name: 'memory',
    counters: async () => one(new MemoryCounters()),
    errorRates: async () => one(new MemoryErrorRateStore()),
    poolStates: async () => one(new MemoryPoolStates()),
    close: async () => {},
  };
}

function redisBackend(file: string): Backend {
  const scope = redisScope(file);
  const shared = <T>(make: (prefix: string) => T): Shared<T> => {
    const prefix = scope.subPrefix();
    return { store: make(prefix), another: () => make(prefix) };
  };
  return {
    name: 'redis',
    counters: async () => shared((prefix) => new RedisCounters(scope.client(), prefix)),
    errorRates: async () => shared((prefix) => new RedisErrorRateStore(scope.client(), prefix)),
    poolStates: async () => shared((prefix) => new RedisPoolStates(scope.client(), prefix)),
    close: () => scope.cleanup(),
  };
}

function postgresBackend(url: string): Backend {
  let database: Promise<ScratchDatabase> | undefined;
  const fresh = async <T>(table: string, make: (pool: pg.Pool) => T): Promise<Shared<T>> => {
    const db = await (database ??= scratchDatabase(url));
    await db.main.query(`TRUNCATE ${table}`);
    return { store: make(db.main), another: () => make(db.pool()) };
  };
  return {
    name: 'postgres',
    counters: () => fresh('capacity_windows', (pool) => new PgCounters(pool)),
    errorRates: () => fresh('error_rate_minutes', (pool) => new PgErrorRateStore(pool)),
    poolStates: () => fresh('pool_state', (pool) => new PgPoolStates(pool)),
    close: async () => (await database)?.drop(),
  };
}

export interface ScratchDatabase {
  url: string;
  /** The pool of the first daemon. */
  main: pg.Pool;
  /** A new pool on the scratch database (another daemon); ended by `drop()`. */
  pool(): pg.Pool;
  drop(): Promise<void>;
}

/** A database of its own (`vmx_c_<random>`), migrated as a store's, dropped with every connection to it. */
export async function scratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `vmx_c_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pools: pg.Pool[] = [];
  const pool = () => {
    const p = new pg.Pool({ connectionString: url.toString(), max: 10 });
    // DROP … WITH (FORCE) ends a connection that is still closing: not a failure of the test.
    p.on('error', () => {});
    pools.push(p);
    return p;
  };
  const main = pool();
  await migrate(main);
  return {
    url: url.toString(),
    main,
    pool,
    async drop() {
      await Promise.all(pools.splice(0).map((p) => p.end()));
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** A level's limits from `--limit` specs, with the ids and names the tests expect. */
export const set = (level: CapacityLevel, specs: string[], id = `${level}-id`, name = `${level}-name`): LimitSet => ({
  level,
  id,
  name,
  limits: parseLimits(specs),
});

export const admitted = async (result: Verdict | Promise<Verdict>): Promise<Admission> => {
  const verdict = await result;
  if (isRejection(verdict)) throw new Error(`refused: ${verdict.message}`);
  return verdict;
};
export const refused = async (result: Verdict | Promise<Verdict>): Promise<CapacityRejection> => {
  const verdict = await result;
  if (!isRejection(verdict)) throw new Error('admitted');
  return verdict;
};
