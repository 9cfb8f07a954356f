import { beforeEach, expect, it } from 'vitest';
import { ConflictError } from '../../../src/errors.js';
import type { StoreBackend } from '../../../src/store/backend.js';
import type { Environment } from '../../../src/store/repos/environments.js';
import type { Workspace } from '../../../src/store/repos/workspaces.js';
import { describeEachBackend, expectError, seedEnvironment } from '../backends.js';

describeEachBackend('connections', ({ open }) => {
  let store: StoreBackend;
  let workspace: Workspace;
  let dev: Environment;
  beforeEach(async () => {
    store = await open();
    ({ workspace, environment: dev } = await seedEnvironment(store));
  });
  const create = (name: string, environmentId = dev.id) =>
    store.connections.create({
      environmentId,
      name,
      provider: 'openai',
      config: { baseUrl: 'https://example.test/v1', headers: { 'x-b': '2', 'x-a': '1' } },
      capacity: [{ period: 'minute', requests: 5 }],
      user: 'alice',
    });

  it('stores JSON fields and reads them back whole', async () => {
    const openai = await create('openai');
    expect(openai).toMatchObject({
      environmentId: dev.id,
      name: 'openai',
      description: null,
      provider: 'openai',
      config: { baseUrl: 'https://example.test/v1', headers: { 'x-b': '2', 'x-a': '1' } },
      capacity: [{ period: 'minute', requests: 5 }],
      discoveredCapacity: {},
      prices: [],
      createdBy: 'alice',
    });
    expect(Object.keys(openai.config.headers as object)).toEqual(['x-b', 'x-a']);
    expect(await store.connections.get(openai.id)).toEqual(openai);
    expect(await store.connections.find(dev.id, 'openai')).toEqual(openai);
    expect(await store.connections.find(dev.id, openai.id)).toEqual(openai);
    expect(await store.connections.get('nope')).toBeUndefined();
  });

  it('scopes names to the environment, lists in byte order, and knows the ids below a scope', async () => {
    const prod = await store.environments.create({
      workspaceId: workspace.id,
      workspaceName: 'acme',
      name: 'prod',
      user: 'alice',
    });
    const b = await create('b');
    const upper = await create('B');
    const other = await create('b', prod.id);
    await expectError(create('b'), ConflictError, "connection 'b' already exists in this environment");
    expect((await store.connections.list(dev.id)).map((c) => c.name)).toEqual(['B', 'b']);
    expect((await store.connections.idsInEnvironment(dev.id)).sort()).toEqual([b.id, upper.id].sort());
    expect((await store.connections.idsInWorkspace(workspace.id)).sort()).toEqual([b.id, upper.id, other.id].sort());
  });

  it('writes only the fields an update gives', async () => {
    const openai = await create('openai');
    const priced = await store.connections.update(
      openai,
      { prices: [{ model: 'gpt', input: 1, output: 2 }], description: 'main' },
      'bob',
    );
    expect(priced).toMatchObject({
      name: 'openai',
      description: 'main',
      prices: [{ model: 'gpt', input: 1, output: 2 }],
      capacity: [{ period: 'minute', requests: 5 }],
      updatedBy: 'bob',
      createdBy: 'alice',
    });
    const renamed = await store.connections.update(priced, { name: 'primary', description: null, capacity: [] }, 'bob');
    expect(renamed).toMatchObject({ name: 'primary', description: null, capacity: [], config: openai.config });
    await create('taken');
    await expectError(
      store.connections.update(renamed, { name: 'taken' }, 'bob'),
      ConflictError,
      "connection 'taken' already exists in this environment",
    );
  });

  it('keeps what providers report beside the configured limits', async () => {
    const openai = await create('openai');
    const discovered = {
      gpt: { updatedAt: '2025-01-01T00:00:00.000Z', capacity: [{ period: 'minute' as const, tokens: 1000 }] },
    };
    await store.connections.setDiscoveredCapacity(openai.id, discovered);
    const read = await store.connections.get(openai.id);
    expect(read?.discoveredCapacity).toEqual(discovered);
    expect(read?.updatedAt).toBe(openai.updatedAt);
  });

  it('deletes one connection', async () => {
    const openai = await create('openai');
    const other = await create('other');
    await store.connections.delete(openai.id);
    expect((await store.connections.list(dev.id)).map((c) => c.id)).toEqual([other.id]);
  });
});
