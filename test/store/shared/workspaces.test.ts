import { beforeEach, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../src/errors.js';
import type { StoreBackend } from '../../../src/store/backend.js';
import { describeEachBackend, expectError } from '../backends.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describeEachBackend('workspaces', ({ open }) => {
  let store: StoreBackend;
  beforeEach(async () => {
    store = await open();
  });

  it('creates a workspace with its owner in one step and finds it by id or name', async () => {
    expect(await store.workspaces.any()).toBe(false);
    const acme = await store.workspaces.create({ name: 'acme', description: 'd', user: 'alice' });
    expect(acme).toMatchObject({ name: 'acme', description: 'd', createdBy: 'alice', updatedBy: 'alice' });
    expect(acme.createdAt).toMatch(ISO);
    expect(acme.updatedAt).toBe(acme.createdAt);
    expect(await store.workspaces.find(acme.id)).toEqual(acme);
    expect(await store.workspaces.find('acme')).toEqual(acme);
    expect(await store.workspaces.find('nope')).toBeUndefined();
    expect(await store.members.get(acme.id, 'alice')).toMatchObject({ role: 'owner', addedBy: 'alice' });
    expect(await store.workspaces.any()).toBe(true);
  });

  it('refuses a duplicate name and leaves no owner row behind', async () => {
    await store.workspaces.create({ name: 'acme', user: 'alice' });
    await expectError(
      store.workspaces.create({ name: 'acme', user: 'bob' }),
      ConflictError,
      "workspace 'acme' already exists",
    );
    expect(await store.workspaces.listForUser('bob')).toEqual([]);
  });

  it('finds by id before name', async () => {
    const first = await store.workspaces.create({ name: 'first', user: 'u' });
    const named = await store.workspaces.create({ name: first.id, user: 'u' });
    expect((await store.workspaces.find(first.id))?.id).toBe(first.id);
    expect((await store.workspaces.find(named.name))?.id).toBe(first.id);
  });

  it('lists the workspaces of a user in byte order of name, with the role', async () => {
    const b = await store.workspaces.create({ name: 'beta', user: 'alice' });
    await store.workspaces.create({ name: 'Zeta', user: 'alice' });
    await store.workspaces.create({ name: 'alpha', user: 'bob' });
    await store.members.add({ workspaceId: b.id, workspaceName: 'beta', user: 'bob', role: 'member', by: 'alice' });
    expect((await store.workspaces.listForUser('alice')).map((w) => [w.name, w.role])).toEqual([
      ['Zeta', 'owner'],
      ['beta', 'owner'],
    ]);
    expect((await store.workspaces.listForUser('bob')).map((w) => [w.name, w.role])).toEqual([
      ['alpha', 'owner'],
      ['beta', 'member'],
    ]);
    expect((await store.workspaces.all()).map((w) => w.name).sort()).toEqual(['Zeta', 'alpha', 'beta']);
  });

  it('updates only the fields it is given', async () => {
    const acme = await store.workspaces.create({ name: 'acme', description: 'first', user: 'alice' });
    const renamed = await store.workspaces.update(acme, { name: 'acme-2' }, 'bob');
    expect(renamed).toMatchObject({ name: 'acme-2', description: 'first', createdBy: 'alice', updatedBy: 'bob' });
    // A stale copy does not undo the rename: only `description` is written.
    const described = await store.workspaces.update(acme, { description: null }, 'carol');
    expect(described).toMatchObject({ name: 'acme-2', description: null, updatedBy: 'carol' });
  });

  it('refuses a rename onto another workspace, and an update of a deleted one', async () => {
    const acme = await store.workspaces.create({ name: 'acme', user: 'u' });
    await store.workspaces.create({ name: 'other', user: 'u' });
    await expectError(
      store.workspaces.update(acme, { name: 'other' }, 'u'),
      ConflictError,
      "workspace 'other' already exists",
    );
    await store.workspaces.delete(acme.id);
    await expectError(store.workspaces.update(acme, { name: 'x' }, 'u'), NotFoundError, "workspace 'acme' not found");
  });

  it('cascades a delete to members, environments and everything below them', async () => {
    const a = await store.workspaces.create({ name: 'a', user: 'u' });
    await store.members.add({ workspaceId: a.id, workspaceName: 'a', user: 'm', role: 'member', by: 'u' });
    const dev = await store.environments.create({ workspaceId: a.id, workspaceName: 'a', name: 'dev', user: 'u' });
    await store.connections.create({
      environmentId: dev.id,
      name: 'c',
      provider: 'openai',
      config: {},
      capacity: [],
      user: 'u',
    });
    await store.workspaces.delete(a.id);
    expect(await store.workspaces.all()).toEqual([]);
    expect(await store.members.list(a.id)).toEqual([]);
    expect(await store.environments.all()).toEqual([]);
    expect(await store.connections.idsInEnvironment(dev.id)).toEqual([]);
  });
});

describeEachBackend('transactions', ({ open }) => {
  let store: StoreBackend;
  beforeEach(async () => {
    store = await open();
  });

  it('commits what the function wrote and returns its result', async () => {
    const id = await store.transaction(async (tx) => {
      const acme = await tx.workspaces.create({ name: 'acme', user: 'alice' });
      await tx.environments.create({ workspaceId: acme.id, workspaceName: 'acme', name: 'dev', user: 'alice' });
      expect((await tx.environments.list(acme.id)).map((e) => e.name)).toEqual(['dev']);
      return acme.id;
    });
    expect((await store.environments.list(id)).map((e) => e.name)).toEqual(['dev']);
  });

  it('rolls everything back when the function throws', async () => {
    const boom = new Error('boom');
    const outcome = store.transaction(async (tx) => {
      const acme = await tx.workspaces.create({ name: 'acme', user: 'alice' });
      await tx.settings.set('retention.audit', '7d');
      await tx.environments.create({ workspaceId: acme.id, workspaceName: 'acme', name: 'dev', user: 'alice' });
      throw boom;
    });
    await expect(outcome).rejects.toBe(boom);
    expect(await store.workspaces.any()).toBe(false);
    expect(await store.settings.list()).toEqual([]);
  });

  it('survives a typed error caught inside it, as SQLite does', async () => {
    await store.transaction(async (tx) => {
      await tx.workspaces.create({ name: 'acme', user: 'alice' });
      await expectError(
        tx.workspaces.create({ name: 'acme', user: 'bob' }),
        ConflictError,
        "workspace 'acme' already exists",
      );
      await tx.workspaces.create({ name: 'other', user: 'bob' });
    });
    expect((await store.workspaces.all()).map((w) => w.name).sort()).toEqual(['acme', 'other']);
    expect((await store.workspaces.listForUser('bob')).map((w) => w.name)).toEqual(['other']);
  });
});
