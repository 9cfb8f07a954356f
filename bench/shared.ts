import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A scratch shared store for one benchmark run: its own database on `postgres`, and `redis` if given. */
export interface SharedStore {
  name: string;
  /** What the CLI and the daemon are given to use it. */
  env: NodeJS.ProcessEnv;
  drop(): Promise<void>;
}

export async function sharedStore(postgres: string, redis: string | undefined): Promise<SharedStore> {
  const database = `vmx_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgres });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(postgres);
  url.pathname = `/${database}`;
  return {
    name: redis ? 'postgres+redis' : 'postgres',
    env: {
      VMX_DATABASE_URL: url.toString(),
      ...(redis && { VMX_REDIS_URL: redis }),
      VMX_SECRET_KEY: randomBytes(32).toString('base64'),
    },
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    },
  };
}
