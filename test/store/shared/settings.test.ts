import { beforeEach, expect, it } from 'vitest';
import type { StoreBackend } from '../../../src/store/backend.js';
import { describeEachBackend } from '../backends.js';

describeEachBackend('settings', ({ open }) => {
  let store: StoreBackend;
  beforeEach(async () => {
    store = await open();
  });

  it('sets, overwrites, reads and unsets a setting', async () => {
    expect(await store.settings.get('retention.audit')).toBeUndefined();
    await store.settings.set('retention.audit', '7d');
    await store.settings.set('retention.audit', '14d');
    expect(await store.settings.get('retention.audit')).toBe('14d');
    expect(await store.settings.unset('retention.audit')).toBe(true);
    expect(await store.settings.unset('retention.audit')).toBe(false);
    expect(await store.settings.get('retention.audit')).toBeUndefined();
  });

  it('lists settings in byte order of key, without the store bookkeeping', async () => {
    await store.settings.set('retention.usage-raw', '30d');
    await store.settings.set('Retention.x', '1');
    await store.settings.set('retention.audit', '7d');
    await store.settings.set('state.usage-raw-floor', '123');
    const listed = await store.settings.list();
    expect(listed.map((s) => [s.key, s.value])).toEqual([
      ['Retention.x', '1'],
      ['retention.audit', '7d'],
      ['retention.usage-raw', '30d'],
    ]);
    expect(listed[0]!.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(await store.settings.get('state.usage-raw-floor')).toBe('123');
  });
});
