import { beforeEach, expect, it } from 'vitest';
import { ConflictError } from '../../../src/errors.js';
import type { Routing } from '../../../src/gateway/routing/schema.js';
import type { StoreBackend } from '../../../src/store/backend.js';
import type { Environment } from '../../../src/store/repos/environments.js';
import { singleModelResource, type ResourceFields } from '../../../src/store/repos/resources.js';
import { describeEachBackend, expectError, seedEnvironment } from '../backends.js';

describeEachBackend('resources', ({ open }) => {
  let store: StoreBackend;
  let dev: Environment;
  let full: ResourceFields;
  beforeEach(async () => {
    store = await open();
    ({ environment: dev } = await seedEnvironment(store));
    const connection = await store.connections.create({
      environmentId: dev.id,
      name: 'c',
      provider: 'openai',
      config: {},
      capacity: [],
      user: 'alice',
    });
    const ref = (model: string) => ({ connectionId: connection.id, model });
    const routing: Routing = {
      enabled: true,
      conditions: [{ type: 'group', operator: 'AND', conditions: [], action: 'CALL_MODEL', then: ref('big') }],
    };
    full = {
      name: 'chat',
      description: 'the chat model',
      model: ref('gpt'),
      fallbackModels: [ref('fallback')],
      useFallback: false,
      secondaryModels: [ref('second')],
      routing,
      capacity: [{ period: 'hour', tokens: 1000 }],
      enforceCapacity: true,
    };
  });

  it('stores every field, flags as booleans, and finds by id or name', async () => {
    const chat = await store.resources.create(dev.id, full, 'alice');
    expect(chat).toMatchObject({ ...full, environmentId: dev.id, createdBy: 'alice', updatedBy: 'alice' });
    expect(chat.useFallback).toBe(false);
    expect(chat.enforceCapacity).toBe(true);
    expect(await store.resources.find(dev.id, 'chat')).toEqual(chat);
    expect(await store.resources.find(dev.id, chat.id)).toEqual(chat);
    expect(await store.resources.find(dev.id, 'nope')).toBeUndefined();
    const simple = await store.resources.create(dev.id, singleModelResource('simple', full.model), 'alice');
    expect(simple).toMatchObject({ routing: null, useFallback: true, enforceCapacity: false, fallbackModels: [] });
  });

  it('refuses a duplicate name and lists in byte order', async () => {
    await store.resources.create(dev.id, full, 'alice');
    await store.resources.create(dev.id, { ...full, name: 'Chat' }, 'alice');
    await expectError(
      store.resources.create(dev.id, full, 'bob'),
      ConflictError,
      "resource 'chat' already exists in this environment",
    );
    expect((await store.resources.list(dev.id)).map((r) => r.name)).toEqual(['Chat', 'chat']);
  });

  it('replaces the fields on update and keeps who created it', async () => {
    const chat = await store.resources.create(dev.id, full, 'alice');
    const updated = await store.resources.update(
      chat,
      { ...full, routing: null, useFallback: true, name: 'talk' },
      'bob',
    );
    expect(updated).toMatchObject({
      name: 'talk',
      routing: null,
      useFallback: true,
      createdBy: 'alice',
      updatedBy: 'bob',
    });
    await store.resources.create(dev.id, full, 'alice');
    await expectError(
      store.resources.update(updated, full, 'bob'),
      ConflictError,
      "resource 'chat' already exists in this environment",
    );
    await store.resources.delete(updated.id);
    expect((await store.resources.list(dev.id)).map((r) => r.name)).toEqual(['chat']);
  });
});
