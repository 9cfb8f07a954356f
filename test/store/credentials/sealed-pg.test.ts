import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsyncConnectionSecrets } from '../../../src/store/credentials/connection-secrets.js';
import { seal } from '../../../src/store/credentials/sealed.js';
import { parseSecretKey, type SecretKeyring } from '../../../src/store/credentials/sealed-keys.js';
import {
  resealAll,
  SealedCredentialStore,
  type SealedSecretTable,
} from '../../../src/store/credentials/sealed-store.js';

const url = process.env.VMX_TEST_DATABASE_URL;
const skipped = url ? '' : ': skipped, VMX_TEST_DATABASE_URL not set';
const PG_DUMP = ['/usr/lib/postgresql/15/bin/pg_dump'].find((path) => existsSync(path)) ?? 'pg_dump';

/**
 * `connection_secrets` over node-postgres, as the PostgreSQL repository is to implement it: the
 * smallest honest implementation of the accessor, so this test exercises real SQL and a real dump.
 */
function pgTable(pool: pg.Pool): SealedSecretTable {
  const now = () => new Date().toISOString();
  return {
    async get(connectionId) {
      const result = await pool.query<{ sealed: string }>(
        'SELECT sealed FROM connection_secrets WHERE connection_id = $1',
        [connectionId],
      );
      return result.rows[0]?.sealed;
    },
    async put(connectionId, sealed) {
      await pool.query(
        `INSERT INTO connection_secrets (connection_id, sealed, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (connection_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
        [connectionId, sealed, now()],
      );
    },
    async remove(connectionId) {
      const result = await pool.query('DELETE FROM connection_secrets WHERE connection_id = $1', [connectionId]);
      return (result.rowCount ?? 0) > 0;
    },
    async all() {
      const result = await pool.query<{ connection_id: string; sealed: string }>(
        'SELECT connection_id, sealed FROM connection_secrets ORDER BY connection_id',
      );
      return result.rows.map((row) => ({ connectionId: row.connection_id, sealed: row.sealed }));
    },
    async swap(connectionId, expected, sealed) {
      const result = await pool.query(
        'UPDATE connection_secrets SET sealed = $3, updated_at = $4 WHERE connection_id = $1 AND sealed = $2',
        [connectionId, expected, sealed, now()],
      );
      return result.rowCount === 1;
    },
  };
}

describe.skipIf(!url)(`sealed secrets in a real PostgreSQL${skipped}`, () => {
  const database = `vmx_s_${randomBytes(6).toString('hex')}`;
  let admin: pg.Client;
  let databaseUrl: string;
  const pools: pg.Pool[] = [];
  const key = parseSecretKey(randomBytes(32).toString('base64'), 'test key');
  const oldKey = parseSecretKey(randomBytes(32).toString('base64'), 'old key');
  const keys: SecretKeyring = { current: key, previous: [oldKey], source: 'test' };
  const openai = { id: 'c3b1a7e2-0000-4000-8000-000000000001', name: 'openai' };
  const secret = `sk-live-${randomBytes(12).toString('hex')}`;

  /** A daemon's view: its own pool, its own store. */
  function daemon(ring: SecretKeyring | undefined, env: NodeJS.ProcessEnv = {}) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    // DROP DATABASE … WITH (FORCE) at the end terminates connections still closing (57P01).
    pool.on('error', (error: Error & { code?: string }) => {
      if (error.code !== '57P01') throw error;
    });
    pools.push(pool);
    const table = pgTable(pool);
    return { pool, table, secrets: new AsyncConnectionSecrets(new SealedCredentialStore(table, ring), env) };
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const target = new URL(url!);
    target.pathname = `/${database}`;
    databaseUrl = target.toString();
    const { pool } = daemon(keys);
    await pool.query(
      `CREATE TABLE IF NOT EXISTS connection_secrets (
         connection_id text PRIMARY KEY, sealed text NOT NULL, updated_at text NOT NULL)`,
    );
  });

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  it('stores the secret sealed: neither a SELECT nor pg_dump shows it, and another daemon reads it back', async () => {
    const writer = daemon(keys);
    await writer.secrets.write(openai, { apiKey: secret });

    const { rows } = await writer.pool.query<{ sealed: string }>('SELECT sealed FROM connection_secrets');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sealed).toMatch(new RegExp(`^v1\\.${key.id}\\.`));
    expect(rows[0]!.sealed).not.toContain(secret);
    expect(rows[0]!.sealed).not.toContain('apiKey');

    const { stdout: dump } = await promisify(execFile)(PG_DUMP, ['--dbname', databaseUrl], {
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(dump).toContain(openai.id); // the dump does hold the row...
    expect(dump).toContain(rows[0]!.sealed);
    expect(dump).not.toContain(secret); // ...but not the secret in clear
    expect(dump).not.toContain('sk-live');

    const reader = daemon({ current: key, previous: [], source: 'test' });
    expect((await reader.secrets.read(openai, ['apiKey'])).values).toEqual({ apiKey: secret });
  });

  it('without a key the stored secret is refused naming the connection; an env override still works', async () => {
    const { secrets } = daemon(undefined);
    await expect(secrets.read(openai, ['apiKey'])).rejects.toThrow(
      "connection 'openai' has a secret in the shared store; set VMX_SECRET_KEY or --secret-key-file to read it",
    );
    const fromEnv = daemon(undefined, { VMX_OPENAI_API_KEY: 'sk-env' });
    expect((await fromEnv.secrets.read(openai, ['apiKey'])).values).toEqual({ apiKey: 'sk-env' });
  });

  it('resealAll moves rows sealed with the previous key to the current one', async () => {
    const { table, secrets } = daemon(keys);
    const bedrock = { id: 'c3b1a7e2-0000-4000-8000-000000000002', name: 'bedrock' };
    await table.put(bedrock.id, seal(oldKey, bedrock.id, '{"accessKeyId":"AKIA1","secretAccessKey":"sak-1"}'));
    const report = await resealAll(table, keys);
    expect(report).toEqual({ resealed: [bedrock.id], unchanged: [openai.id], failed: [] });
    expect(await table.get(bedrock.id)).toMatch(new RegExp(`^v1\\.${key.id}\\.`));
    expect((await secrets.read(bedrock, ['accessKeyId', 'secretAccessKey'])).values).toEqual({
      accessKeyId: 'AKIA1',
      secretAccessKey: 'sak-1',
    });
    expect(await secrets.remove(bedrock.id)).toBe(true);
    expect(await table.get(bedrock.id)).toBeUndefined();
  });
});
