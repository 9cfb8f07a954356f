import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/errors.js';
import { singleModelResource } from '../../../src/store/repos/resources.js';
import { migrations } from '../../../src/store/postgres/migrations/index.js';
import { openPostgresBackend, type PostgresBackend } from '../../../src/store/postgres/open.js';
import { freshDatabase, POSTGRES_SKIP_REASON, postgresUrl, type FreshDatabase } from '../../helpers/postgres.js';

const latest = migrations.length;
const title = postgresUrl()
  ? 'postgres backend: migrations and the configuration version'
  : `postgres backend: skipped, ${POSTGRES_SKIP_REASON}`;

describe.skipIf(!postgresUrl())(title, () => {
  const undo: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of undo.splice(0).reverse()) await step();
  });
  const database = async () => {
    const fresh = await freshDatabase();
    undo.push(fresh.drop);
    return fresh;
  };
  const open = async (db: FreshDatabase) => {
    const backend = await openPostgresBackend(db.url, { maxConnections: 2 });
    undo.push(() => backend.close());
    return backend;
  };

  it('lets two daemons open an empty database at the same instant, migrating it once', async () => {
    const db = await database();
    const [first, second] = await Promise.all([open(db), open(db)]);
    expect(await first.schemaVersion()).toBe(latest);
    expect(await second.schemaVersion()).toBe(latest);
    const { rows } = await first.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY 1');
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    await first.workspaces.create({ name: 'acme', user: 'alice' });
    expect((await second.workspaces.find('acme'))?.name).toBe('acme');
    const reopened = await open(db);
    expect(await reopened.schemaVersion()).toBe(latest);
  });

  it('refuses a database a newer vmx migrated', async () => {
    const db = await database();
    const backend = await open(db);
    await backend.pool.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
      latest + 1,
      new Date().toISOString(),
    ]);
    const refused = await openPostgresBackend(db.url).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RuntimeError);
    expect((refused as RuntimeError).message).toBe(
      `the database schema is version ${latest + 1}, newer than this vmx understands (${latest})`,
    );
  });

  it('names the database without its password when it cannot be reached', async () => {
    const refused = await openPostgresBackend('postgres://vmx:s3cret@127.0.0.1:1/vmx').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RuntimeError);
    expect((refused as Error).message).toMatch(
      /^cannot open the database at postgres:\/\/vmx:\*\*\*@127\.0\.0\.1:1\/vmx: /,
    );
    expect((refused as Error).message).not.toContain('s3cret');
  });

  it('bumps the configuration version on commit and announces it on vmx_config', async () => {
    const db = await database();
    const backend = await open(db);
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    undo.push(() => listener.end());
    const heard: string[] = [];
    listener.on('notification', (n) => n.channel === 'vmx_config' && heard.push(n.payload ?? ''));
    await listener.query('LISTEN vmx_config');

    const before = await backend.configVersion();
    await backend.transaction(async (tx) => {
      await tx.workspaces.create({ name: 'acme', user: 'alice' });
      expect(await backend.configVersion()).toBe(before);
    });
    const after = await backend.configVersion();
    expect(after).toBeGreaterThan(before);
    await expect.poll(() => heard.at(-1)).toBe(String(after));
    await rollbackLeavesVersion(backend, after);
    await notConfiguration(backend, after);
    await poolsAreConfiguration(backend);
    await batchesAreNotConfiguration(backend);
  });
});

/** A rolled-back change neither bumps the version nor is announced. */
async function rollbackLeavesVersion(backend: PostgresBackend, version: number): Promise<void> {
  await backend
    .transaction(async (tx) => {
      await tx.workspaces.create({ name: 'gone', user: 'alice' });
      throw new Error('undo');
    })
    .catch(() => undefined);
  expect(await backend.configVersion()).toBe(version);
}

/** Bookkeeping and provider-reported limits are not configuration; a setting and a limit are. */
async function notConfiguration(backend: PostgresBackend, version: number): Promise<void> {
  const [workspace] = await backend.workspaces.all();
  const dev = await backend.environments.create({
    workspaceId: workspace!.id,
    workspaceName: workspace!.name,
    name: 'dev',
    user: 'alice',
  });
  const connection = await backend.connections.create({
    environmentId: dev.id,
    name: 'c',
    provider: 'openai',
    config: {},
    capacity: [],
    user: 'alice',
  });
  const start = await backend.configVersion();
  expect(start).toBeGreaterThan(version);
  await backend.settings.set('state.usage-raw-floor', '1');
  await backend.connections.setDiscoveredCapacity(connection.id, {});
  expect(await backend.configVersion()).toBe(start);
  await backend.settings.set('retention.audit', '7d');
  expect(await backend.configVersion()).toBe(start + 1);
  await backend.connections.update(connection, { capacity: [{ period: 'minute', requests: 1 }] }, 'alice');
  expect(await backend.configVersion()).toBe(start + 2);
}

/** A pool's every change is configuration; a connection's pool state, written by daemons, is not. */
async function poolsAreConfiguration(backend: PostgresBackend): Promise<void> {
  const [workspace] = await backend.workspaces.all();
  const [dev] = await backend.environments.list(workspace!.id);
  const [connection] = await backend.connections.list(dev!.id);
  const chat = await backend.resources.create(
    dev!.id,
    singleModelResource('chat', { connectionId: connection!.id, model: 'gpt' }),
    'alice',
  );
  const start = await backend.configVersion();
  const input = { environmentId: dev!.id, name: 'high', rank: 1, min: 10, max: 100, resourceIds: [chat.id], user: 'a' };
  const high = await backend.pools.set(input);
  expect(await backend.configVersion()).toBe(start + 1);
  await backend.pools.set({ ...input, min: 20 });
  expect(await backend.configVersion()).toBe(start + 2);
  const state = { shares: { high: { current: 20 } }, minute: { start: 0, tokens: {} }, recent: [] };
  await backend.poolStates.put(connection!.id, state, Date.now());
  await backend.poolStates.delete(connection!.id);
  expect(await backend.configVersion()).toBe(start + 2);
  await backend.pools.delete(high.id);
  expect(await backend.configVersion()).toBe(start + 3);
}

/** Files and batches, written by users and daemons as batches run, are not configuration. */
async function batchesAreNotConfiguration(backend: PostgresBackend): Promise<void> {
  const [workspace] = await backend.workspaces.all();
  const [dev] = await backend.environments.list(workspace!.id);
  const start = await backend.configVersion();
  const content = Buffer.from('{"custom_id":"a"}\n');
  const file = await backend.files.create({
    environmentId: dev!.id,
    purpose: 'batch',
    filename: 'in.jsonl',
    content,
    createdBy: 'alice',
  });
  const batch = await backend.batches.create(
    {
      environmentId: dev!.id,
      keyId: null,
      createdBy: 'alice',
      source: 'cli',
      type: 'async',
      endpoint: '/v1/chat/completions',
      capacity: [],
      callback: null,
      inputFileId: file.id,
    },
    [{ route: 'chat', resource: 'chat', request: { messages: [] } }],
  );
  const [item] = await backend.batches.claim({ owner: 'd1', now: Date.now(), limit: 1, leaseMs: 60_000 });
  const outcome = { requestId: 'r', statusCode: 200, response: {}, error: null, inputTokens: 1, outputTokens: 1 };
  expect(await backend.batches.finish(batch.id, item!.idx, 'd1', { status: 'completed', ...outcome })).toBe(true);
  await backend.batches.setFiles(batch.id, { outputFileId: file.id, errorFileId: null });
  await backend.files.delete(dev!.id, file.id);
  expect(await backend.configVersion()).toBe(start);
}
