import { beforeEach, expect, it } from 'vitest';
import { ConflictError } from '../../../src/errors.js';
import type { StoreBackend } from '../../../src/store/backend.js';
import type { Environment } from '../../../src/store/repos/environments.js';
import { describeEachBackend, expectError, seedEnvironment } from '../backends.js';

describeEachBackend('API keys', ({ open }) => {
  let store: StoreBackend;
  let dev: Environment;
  beforeEach(async () => {
    store = await open();
    ({ environment: dev } = await seedEnvironment(store));
  });
  const create = (name: string, resources: string[] | null = null, environmentId = dev.id) =>
    store.apiKeys.create({
      environmentId,
      name,
      keyHash: `hash-${name}-${environmentId}`,
      maskedKey: 'vmx-…abcd',
      resources,
      capacity: [{ period: 'day', requests: 100 }],
      expiresAt: null,
      user: 'alice',
    });

  it('creates an enabled key and finds it by id or name, without its hash', async () => {
    const ci = await create('ci', ['r1']);
    expect(ci).toMatchObject({
      name: 'ci',
      description: null,
      maskedKey: 'vmx-…abcd',
      resources: ['r1'],
      capacity: [{ period: 'day', requests: 100 }],
      enabled: true,
      expiresAt: null,
      allowOverrides: false,
    });
    expect(ci).not.toHaveProperty('keyHash');
    expect(await store.apiKeys.find(dev.id, 'ci')).toEqual(ci);
    expect(await store.apiKeys.find(dev.id, ci.id)).toEqual(ci);
    expect(await store.apiKeys.listWithHashes()).toEqual([{ ...ci, keyHash: `hash-ci-${dev.id}` }]);
  });

  it('keeps the options a key is made with', async () => {
    const key = await store.apiKeys.create({
      environmentId: dev.id,
      name: 'ops',
      description: 'for ops',
      keyHash: 'h',
      maskedKey: 'm',
      resources: [],
      capacity: [],
      expiresAt: '2030-01-01T00:00:00.000Z',
      allowOverrides: true,
      user: 'alice',
    });
    expect(key).toMatchObject({
      description: 'for ops',
      resources: [],
      expiresAt: '2030-01-01T00:00:00.000Z',
      allowOverrides: true,
    });
  });

  it('refuses a duplicate name, and a duplicate hash', async () => {
    await create('ci');
    await create('B');
    await expectError(create('ci'), ConflictError, "API key 'ci' already exists in this environment");
    const sameHash = store.apiKeys.create({
      environmentId: dev.id,
      name: 'other',
      keyHash: `hash-ci-${dev.id}`,
      maskedKey: 'm',
      resources: null,
      capacity: [],
      expiresAt: null,
      user: 'alice',
    });
    await expectError(sameHash, ConflictError, "API key 'other' already exists in this environment");
    expect((await store.apiKeys.list(dev.id)).map((k) => k.name)).toEqual(['B', 'ci']);
  });

  it('disables and enables a key', async () => {
    const ci = await create('ci');
    const off = await store.apiKeys.setEnabled(ci, false, 'bob');
    expect(off).toMatchObject({ enabled: false, updatedBy: 'bob', createdBy: 'alice' });
    expect((await store.apiKeys.setEnabled(off, true, 'carol')).enabled).toBe(true);
  });

  it('takes a deleted resource out of the allow-lists of its environment only', async () => {
    const { environment: prod } = await seedEnvironment(store, 'other', 'prod');
    await create('two', ['r1', 'gone', 'r2']);
    await create('only', ['gone']);
    await create('all');
    await create('elsewhere', ['gone'], prod.id);
    await store.apiKeys.forgetResource(dev.id, 'gone');
    const lists = Object.fromEntries((await store.apiKeys.listWithHashes()).map((k) => [k.name, k.resources]));
    expect(lists).toEqual({ two: ['r1', 'r2'], only: [], all: null, elsewhere: ['gone'] });
  });

  it('deletes a key', async () => {
    const ci = await create('ci');
    await store.apiKeys.delete(ci.id);
    expect(await store.apiKeys.find(dev.id, 'ci')).toBeUndefined();
  });
});
