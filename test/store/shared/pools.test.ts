import { beforeEach, expect, it } from 'vitest';
import { ConflictError, NotFoundError, UsageError } from '../../../src/errors.js';
import type { PoolState } from '../../../src/gateway/pools/scaling.js';
import type { StoreBackend } from '../../../src/store/backend.js';
import type { Environment } from '../../../src/store/repos/environments.js';
import type { PoolInput } from '../../../src/store/repos/pools.js';
import { singleModelResource } from '../../../src/store/repos/resources.js';
import { describeEachBackend, expectError, seedEnvironment } from '../backends.js';

describeEachBackend('pools', ({ open }) => {
  let store: StoreBackend;
  let dev: Environment;
  /** Resource ids of dev by name. */
  let ids: Record<string, string>;
  beforeEach(async () => {
    store = await open();
    ({ environment: dev } = await seedEnvironment(store));
    ids = await addResources(store, dev, ['chat', 'batch', 'search', 'Spare']);
  });
  const pool = (name: string, fields: Partial<Omit<PoolInput, 'name'>> = {}): PoolInput => ({
    environmentId: dev.id,
    name,
    rank: 1,
    min: 10,
    max: 100,
    resourceIds: [ids.chat!],
    user: 'alice',
    ...fields,
  });

  it('creates a pool, finds it by id or name, and replaces it by name keeping its id and creation', async () => {
    const high = await store.pools.set(pool('high', { resourceIds: [ids.chat!, ids.search!, ids.chat!] }));
    expect(high).toMatchObject({
      environmentId: dev.id,
      name: 'high',
      rank: 1,
      min: 10,
      max: 100,
      resourceIds: [ids.chat, ids.search],
      createdBy: 'alice',
      updatedBy: 'alice',
    });
    expect(Date.parse(high.createdAt)).not.toBeNaN();
    expect(await store.pools.find(dev.id, 'high')).toEqual(high);
    expect(await store.pools.find(dev.id, high.id)).toEqual(high);
    expect(await store.pools.find(dev.id, 'nope')).toBeUndefined();

    const replaced = await store.pools.set(
      pool('high', { rank: 2, min: 0, max: 50, resourceIds: [ids.batch!], user: 'bob' }),
    );
    expect(replaced).toMatchObject({ id: high.id, rank: 2, min: 0, max: 50, resourceIds: [ids.batch] });
    expect(replaced).toMatchObject({ createdAt: high.createdAt, createdBy: 'alice', updatedBy: 'bob' });
    expect(await store.pools.list(dev.id)).toEqual([replaced]);
  });

  it('lists by rank, then name in byte order; deletes', async () => {
    await store.pools.set(pool('low', { rank: 3, resourceIds: [ids.batch!] }));
    await store.pools.set(pool('b', { rank: 1, resourceIds: [ids.chat!] }));
    await store.pools.set(pool('a', { rank: 2, resourceIds: [ids.search!] }));
    const upper = await store.pools.set(pool('B', { rank: 1, resourceIds: [ids.Spare!] }));
    expect((await store.pools.list(dev.id)).map((p) => p.name)).toEqual(['B', 'b', 'a', 'low']);
    await store.pools.delete(upper.id);
    expect((await store.pools.list(dev.id)).map((p) => p.name)).toEqual(['b', 'a', 'low']);
    const { environment: prod } = await seedEnvironment(store, 'other', 'prod');
    expect(await store.pools.list(prod.id)).toEqual([]);
    expect(await store.pools.find(prod.id, 'b')).toBeUndefined();
  });

  it("takes a deleted resource out of its environment's pools only", async () => {
    const { environment: prod } = await seedEnvironment(store, 'other', 'prod');
    const elsewhere = await addResources(store, prod, ['chat']);
    await store.pools.set(pool('two', { resourceIds: [ids.search!, ids.chat!, ids.batch!] }));
    await store.pools.set(pool('only', { resourceIds: [ids.Spare!] }));
    await store.pools.set({ ...pool('there', { resourceIds: [elsewhere.chat!] }), environmentId: prod.id });
    await store.pools.forgetResource(dev.id, ids.chat!);
    await store.pools.forgetResource(dev.id, ids.Spare!);
    await store.pools.forgetResource(dev.id, elsewhere.chat!);
    const lists = async (env: Environment) =>
      Object.fromEntries((await store.pools.list(env.id)).map((p) => [p.name, p.resourceIds]));
    expect(await lists(dev)).toEqual({ two: [ids.search, ids.batch], only: [] });
    expect(await lists(prod)).toEqual({ there: [elsewhere.chat] });
  });

  it('refuses a rank, min or max out of bounds, and a pool without resources', async () => {
    const usage = (fields: Partial<PoolInput>, message: string) =>
      expectError(store.pools.set(pool('p', fields)), UsageError, message);
    const rank = "pool 'p': rank must be a whole number, 1 or more (1 is served first)";
    await usage({ rank: 0 }, rank);
    await usage({ rank: 1.5 }, rank);
    await usage({ min: -1 }, "pool 'p': min must be a whole percentage from 0 to 100");
    await usage({ min: 2.5 }, "pool 'p': min must be a whole percentage from 0 to 100");
    await usage({ max: 101 }, "pool 'p': max must be a whole percentage from 0 to 100");
    await usage({ min: 0, max: 0 }, "pool 'p': max must be above 0%");
    await usage({ min: 60, max: 50 }, "pool 'p': min (60%) is above max (50%)");
    await usage({ resourceIds: [] }, "pool 'p' needs at least one resource");
    await expectError(
      store.pools.set(pool('p', { resourceIds: ['nope'] })),
      NotFoundError,
      "resource 'nope' not found in this environment",
    );
    expect(await store.pools.list(dev.id)).toEqual([]);
  });

  it('refuses minimums over 100% in all, and a resource already in another pool', async () => {
    await store.pools.set(pool('high', { min: 60, resourceIds: [ids.chat!] }));
    await store.pools.set(pool('free', { min: 0, resourceIds: [ids.Spare!] }));
    await expectError(
      store.pools.set(pool('low', { rank: 2, min: 50, resourceIds: [ids.batch!] })),
      UsageError,
      "the pools' minimums would add up to 110% (high 60%, low 50%); at most 100% can be reserved",
    );
    await store.pools.set(pool('low', { rank: 2, min: 40, resourceIds: [ids.batch!] }));
    // Replacing a pool counts its new minimum, not its old one as well.
    await store.pools.set(pool('high', { min: 55, resourceIds: [ids.chat!] }));
    await expectError(
      store.pools.set(pool('other', { min: 0, resourceIds: [ids.search!, ids.batch!] })),
      ConflictError,
      "resource 'batch' is already in pool 'low': a resource belongs to one pool at most",
    );
    expect((await store.pools.list(dev.id)).map((p) => [p.name, p.min])).toEqual([
      ['free', 0],
      ['high', 55],
      ['low', 40],
    ]);
  });

  it('leaves a transaction usable after a refused pool', async () => {
    await store.transaction(async (tx) => {
      await expectError(
        tx.pools.set(pool('p', { resourceIds: [] })),
        UsageError,
        "pool 'p' needs at least one resource",
      );
      await tx.pools.set(pool('p'));
    });
    expect((await store.pools.list(dev.id)).map((p) => p.name)).toEqual(['p']);
  });

  it('goes with its environment', async () => {
    await store.pools.set(pool('high'));
    await store.environments.delete(dev.id);
    expect(await store.pools.list(dev.id)).toEqual([]);
  });

  it("saves, replaces and deletes a connection's pool state", async () => {
    const state: PoolState = {
      shares: { high: { current: 90, last: { action: 'up', at: 1_000, from: 20, to: 90, why: 'needed 85%' } } },
      minute: { start: 60_000, tokens: { high: 1200 } },
      recent: [{ start: 60_000, tokens: { high: 1200 } }],
    };
    expect(await store.poolStates.get('c1')).toBeUndefined();
    await store.poolStates.put('c1', state, 61_000);
    expect(await store.poolStates.get('c1')).toEqual({ state, updatedAt: 61_000 });
    const next = { ...state, shares: { high: { current: 20 } } };
    await store.poolStates.put('c1', next, 1_700_000_000_000);
    expect(await store.poolStates.get('c1')).toEqual({ state: next, updatedAt: 1_700_000_000_000 });
    expect(await store.poolStates.get('c2')).toBeUndefined();
    await store.poolStates.put('c2', state, 1);
    expect(new Map(await store.poolStates.all())).toEqual(
      new Map([
        ['c1', next],
        ['c2', state],
      ]),
    );
    await store.poolStates.delete('c2');
    await store.poolStates.delete('c1');
    expect(await store.poolStates.get('c1')).toBeUndefined();
    // A row a daemon holds before its first state (JSON null) is no state yet.
    await store.poolStates.put('c3', null as unknown as PoolState, 0);
    expect(await store.poolStates.get('c3')).toBeUndefined();
    expect(await store.poolStates.all()).toEqual([]);
  });
});

/** One resource per name in `environment`, on a connection of its own; their ids by name. */
async function addResources(store: StoreBackend, environment: Environment, names: string[]) {
  const connection = await store.connections.create({
    environmentId: environment.id,
    name: 'c',
    provider: 'openai',
    config: {},
    capacity: [],
    user: 'alice',
  });
  const ids: Record<string, string> = {};
  for (const name of names) {
    const model = { connectionId: connection.id, model: 'gpt' };
    ids[name] = (await store.resources.create(environment.id, singleModelResource(name, model), 'alice')).id;
  }
  return ids;
}
