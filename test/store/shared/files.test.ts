import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, expect, it } from 'vitest';
import type { StoreBackend } from '../../../src/store/backend.js';
import type { Environment } from '../../../src/store/repos/environments.js';
import type { NewFile } from '../../../src/store/repos/files.js';
import { describeEachBackend, seedEnvironment } from '../backends.js';

describeEachBackend('files', ({ open }) => {
  let store: StoreBackend;
  let dev: Environment;
  beforeEach(async () => {
    store = await open();
    ({ environment: dev } = await seedEnvironment(store));
  });
  const file = (fields: Partial<NewFile> = {}): NewFile => ({
    environmentId: dev.id,
    purpose: 'batch',
    filename: 'input.jsonl',
    content: Buffer.from('{"custom_id":"a"}\n'),
    createdBy: 'alice',
    ...fields,
  });

  it('stores a file and gives its record (never its content) and its bytes back', async () => {
    // Bytes a text column would not keep: NUL, an invalid UTF-8 sequence.
    const content = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x0a, 0x7d]);
    const record = await store.files.create(file({ content }));
    expect(record).toEqual({
      id: expect.stringMatching(/^file-[0-9a-f]{24}$/),
      environmentId: dev.id,
      purpose: 'batch',
      filename: 'input.jsonl',
      bytes: 6,
      createdAt: expect.any(String),
    });
    expect(Date.parse(record.createdAt)).not.toBeNaN();
    expect(await store.files.get(dev.id, record.id)).toEqual(record);
    const stored = await store.files.content(dev.id, record.id);
    expect(Buffer.isBuffer(stored)).toBe(true);
    expect(stored!.equals(content)).toBe(true);
    expect(await store.files.get(dev.id, 'file-nope')).toBeUndefined();
    expect(await store.files.content(dev.id, 'file-nope')).toBeUndefined();
  });

  it("lists an environment's files newest first, of one purpose when asked", async () => {
    const input = await store.files.create(file());
    await sleep(2);
    const output = await store.files.create(file({ purpose: 'batch_output', filename: 'out.jsonl' }));
    await sleep(2);
    const errors = await store.files.create(file({ purpose: 'batch_errors', filename: 'err.jsonl' }));
    expect(await store.files.list(dev.id)).toEqual([errors, output, input]);
    expect(await store.files.list(dev.id, 'batch_output')).toEqual([output]);
    expect(await store.files.list(dev.id, 'batch')).toEqual([input]);
  });

  it('keeps files to their environment, and deletes them', async () => {
    const { environment: prod } = await seedEnvironment(store, 'other', 'prod');
    const mine = await store.files.create(file());
    expect(await store.files.get(prod.id, mine.id)).toBeUndefined();
    expect(await store.files.content(prod.id, mine.id)).toBeUndefined();
    expect(await store.files.list(prod.id)).toEqual([]);
    expect(await store.files.delete(prod.id, mine.id)).toBe(false);
    expect(await store.files.delete(dev.id, mine.id)).toBe(true);
    expect(await store.files.delete(dev.id, mine.id)).toBe(false);
    expect(await store.files.get(dev.id, mine.id)).toBeUndefined();
  });

  it('goes with its environment', async () => {
    const mine = await store.files.create(file());
    await store.environments.delete(dev.id);
    expect(await store.files.get(dev.id, mine.id)).toBeUndefined();
    expect(await store.files.list(dev.id)).toEqual([]);
  });
});
