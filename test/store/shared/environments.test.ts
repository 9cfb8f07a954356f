import { beforeEach, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../src/errors.js';
import type { StoreBackend } from '../../../src/store/backend.js';
import { singleModelResource } from '../../../src/store/repos/resources.js';
import type { Workspace } from '../../../src/store/repos/workspaces.js';
import { describeEachBackend, expectError } from '../backends.js';

describeEachBackend('environments', ({ open }) => {
  let store: StoreBackend;
  let a: Workspace;
  let b: Workspace;
  beforeEach(async () => {
    store = await open();
    a = await store.workspaces.create({ name: 'a', user: 'u' });
    b = await store.workspaces.create({ name: 'b', user: 'u' });
  });
  const create = (workspace: Workspace, name: string, description?: string | null) =>
    store.environments.create({
      workspaceId: workspace.id,
      workspaceName: workspace.name,
      name,
      description,
      user: 'u',
    });

  it('scopes names to their workspace and finds by id or name', async () => {
    const devA = await create(a, 'dev', 'development');
    expect(devA).toMatchObject({ workspaceId: a.id, name: 'dev', description: 'development', createdBy: 'u' });
    const devB = await create(b, 'dev');
    expect(devB.description).toBeNull();
    await expectError(create(a, 'dev'), ConflictError, "environment 'dev' already exists in workspace 'a'");
    expect(await store.environments.find(a.id, 'dev')).toEqual(devA);
    expect(await store.environments.find(a.id, devA.id)).toEqual(devA);
    expect(await store.environments.find(b.id, devA.id)).toBeUndefined();
  });

  it('lists a workspace in byte order of name; all() lists every workspace', async () => {
    await create(a, 'prod');
    await create(a, 'Dev');
    await create(a, 'dev');
    await create(b, 'other');
    expect((await store.environments.list(a.id)).map((e) => e.name)).toEqual(['Dev', 'dev', 'prod']);
    expect((await store.environments.all()).map((e) => e.name).sort()).toEqual(['Dev', 'dev', 'other', 'prod']);
  });

  it('updates only the fields it is given', async () => {
    const dev = await create(a, 'dev', 'first');
    const renamed = await store.environments.update(dev, 'a', { name: 'development' }, 'v');
    expect(renamed).toMatchObject({ name: 'development', description: 'first', updatedBy: 'v', createdBy: 'u' });
    const cleared = await store.environments.update(dev, 'a', { description: null }, 'w');
    expect(cleared).toMatchObject({ name: 'development', description: null, updatedBy: 'w' });
  });

  it('refuses a rename onto a sibling, and an update of a deleted environment', async () => {
    const dev = await create(a, 'dev');
    await create(a, 'prod');
    await expectError(
      store.environments.update(dev, 'a', { name: 'prod' }, 'u'),
      ConflictError,
      "environment 'prod' already exists in workspace 'a'",
    );
    await store.environments.delete(dev.id);
    await expectError(
      store.environments.update(dev, 'a', { name: 'x' }, 'u'),
      NotFoundError,
      "environment 'dev' not found in workspace 'a'",
    );
  });

  it('cascades a delete to connections, resources and keys', async () => {
    const dev = await create(a, 'dev');
    const prod = await create(a, 'prod');
    const connection = await store.connections.create({
      environmentId: dev.id,
      name: 'c',
      provider: 'openai',
      config: {},
      capacity: [],
      user: 'u',
    });
    const model = { connectionId: connection.id, model: 'gpt' };
    await store.resources.create(dev.id, singleModelResource('r', model), 'u');
    const key = { name: 'k', keyHash: 'h', maskedKey: 'm', resources: null, capacity: [], expiresAt: null, user: 'u' };
    await store.apiKeys.create({ environmentId: dev.id, ...key });
    await store.apiKeys.create({ environmentId: prod.id, ...key, keyHash: 'h2' });
    await store.environments.delete(dev.id);
    expect(await store.connections.get(connection.id)).toBeUndefined();
    expect(await store.resources.list(dev.id)).toEqual([]);
    expect((await store.apiKeys.listWithHashes()).map((k) => k.environmentId)).toEqual([prod.id]);
    expect((await store.environments.list(a.id)).map((e) => e.name)).toEqual(['prod']);
  });
});
