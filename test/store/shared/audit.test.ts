import { beforeEach, expect, it } from 'vitest';
import type { StoreBackend } from '../../../src/store/backend.js';
import type { AuditRecord } from '../../../src/store/repos/audit.js';
import { auditRow, usageRow } from '../../helpers/history-rows.js';
import { describeEachBackend } from '../backends.js';

const T0 = Date.UTC(2025, 0, 6, 10, 0, 0);

describeEachBackend('audit rows', ({ open }) => {
  let store: StoreBackend;
  beforeEach(async () => {
    store = await open();
  });

  it('gives back every field of a request, and replaces a request recorded again', async () => {
    const record: AuditRecord = auditRow({
      requestId: 'r1',
      at: T0,
      environmentId: 'e',
      workspaceId: 'w',
      keyId: 'k',
      stream: true,
      status: 429,
      error: 'capacity',
      events: [{ type: 'converted', dropped: ['logprobs'], nested: { z: 1, a: [true, null] } }],
      timings: { gate: 0.25, provider: null, total: 12.5 },
      requestBody: '{"model":"chat","messages":[{"role":"user","content":"héllo 😀"}]}',
      responseBody: '…[cut 10 chars]',
      correlationId: 'corr',
      durationMs: 12.5,
    });
    await store.audit.insert(record);
    expect(await store.audit.get('r1')).toEqual(record);
    expect(await store.audit.get('nope')).toBeUndefined();
    const again = { ...record, status: 200, error: null, events: [] };
    await store.audit.insert(again);
    expect(await store.audit.get('r1')).toEqual(again);
    expect(await store.audit.count()).toBe(1);
  });

  it('keeps bodies holding a NUL character (as U+FFFD on PostgreSQL)', async () => {
    await store.audit.insert(auditRow({ requestId: 'r', at: T0, requestBody: 'a\u0000b' }));
    expect(['a\u0000b', 'a\uFFFDb']).toContain((await store.audit.get('r'))!.requestBody);
  });

  it('lists an environment’s requests newest first, filtered and limited', async () => {
    const rows = [
      auditRow({ requestId: 'a', at: T0, environmentId: 'e', status: 200, resource: 'chat', keyId: 'k1' }),
      auditRow({ requestId: 'b', at: T0 + 1, environmentId: 'e', status: 429, resource: 'chat', keyId: 'k2' }),
      auditRow({ requestId: 'c', at: T0 + 2, environmentId: 'e', status: 200, resource: 'embed', correlationId: 'x' }),
      auditRow({ requestId: 'd', at: T0 + 3, environmentId: 'other', status: 200 }),
    ];
    for (const row of rows) await store.audit.insert(row);
    const ids = async (filter: Partial<Parameters<StoreBackend['audit']['list']>[0]>) =>
      (await store.audit.list({ environmentId: 'e', limit: 10, ...filter })).map((r) => r.requestId);
    expect(await ids({})).toEqual(['c', 'b', 'a']);
    expect(await ids({ limit: 2 })).toEqual(['c', 'b']);
    expect(await ids({ since: T0 + 1 })).toEqual(['c', 'b']);
    expect(await ids({ status: 200 })).toEqual(['c', 'a']);
    expect(await ids({ resource: 'chat' })).toEqual(['b', 'a']);
    expect(await ids({ keyId: 'k2' })).toEqual(['b']);
    expect(await ids({ correlationId: 'x' })).toEqual(['c']);
    expect(await ids({ status: 200, resource: 'chat', keyId: 'k1', since: T0 })).toEqual(['a']);
    expect(await ids({ environmentId: 'none' })).toEqual([]);
  });

  it('filters by status range, time window, failures and attempts (connection, model)', async () => {
    const rows = [
      auditRow({ requestId: 'ok', at: T0, environmentId: 'e', status: 200 }),
      auditRow({ requestId: 'fellback', at: T0 + 1, environmentId: 'e', status: 200 }),
      auditRow({ requestId: 'limited', at: T0 + 2, environmentId: 'e', status: 429 }),
      auditRow({ requestId: 'failed', at: T0 + 3, environmentId: 'e', status: 502 }),
      auditRow({ requestId: 'cut', at: T0 + 4, environmentId: 'e', status: 200, error: 'stream cut' }),
    ];
    for (const row of rows) await store.audit.insert(row);
    await store.usage.insertMany([
      usageRow({ requestId: 'ok', at: T0, attempt: 1, environmentId: 'e', connectionId: 'c1', model: 'm1' }),
      usageRow({
        requestId: 'fellback',
        at: T0,
        attempt: 1,
        environmentId: 'e',
        connectionId: 'c1',
        model: 'm1',
        status: 500,
      }),
      usageRow({ requestId: 'fellback', at: T0, attempt: 2, environmentId: 'e', connectionId: 'c2', model: 'm2' }),
      usageRow({
        requestId: 'failed',
        at: T0,
        attempt: 1,
        environmentId: 'e',
        connectionId: 'c2',
        model: 'm2',
        status: 502,
      }),
    ]);
    const ids = async (filter: Partial<Parameters<StoreBackend['audit']['list']>[0]>) =>
      (await store.audit.list({ environmentId: 'e', limit: 10, ...filter })).map((r) => r.requestId);
    expect(await ids({ statusFrom: 400, statusTo: 499 })).toEqual(['limited']);
    expect(await ids({ statusFrom: 400, statusTo: 599 })).toEqual(['failed', 'limited']);
    expect(await ids({ statusFrom: 100, statusTo: 399 })).toEqual(['cut', 'fellback', 'ok']);
    expect(await ids({ since: T0 + 1, until: T0 + 3 })).toEqual(['limited', 'fellback']);
    expect(await ids({ errors: true })).toEqual(['cut', 'failed', 'limited', 'fellback']);
    expect(await ids({ connectionId: 'c2' })).toEqual(['failed', 'fellback']);
    expect(await ids({ model: 'm1' })).toEqual(['fellback', 'ok']);
    expect(await ids({ model: 'm1', errors: true })).toEqual(['fellback']);
    expect(await ids({ connectionId: 'c3' })).toEqual([]);
  });

  it('finds the ids starting with a prefix, in the environment or in none', async () => {
    const ids = ['0193f2a4-5b6c-7d8e', '0193f2a4-5b6d-7000', '0193f2a4-5b6e-7000', '0193f2a5-0000-7000'];
    await store.audit.insert(auditRow({ requestId: ids[0]!, at: T0, environmentId: 'e' }));
    await store.audit.insert(auditRow({ requestId: ids[1]!, at: T0, environmentId: null }));
    await store.audit.insert(auditRow({ requestId: ids[2]!, at: T0, environmentId: 'other' }));
    await store.audit.insert(auditRow({ requestId: ids[3]!, at: T0, environmentId: 'e' }));
    expect(await store.audit.withPrefix('e', '0193f2a4-5b')).toEqual([ids[0], ids[1]]);
    expect(await store.audit.withPrefix('e', '0193f2a4-5b6c')).toEqual([ids[0]]);
    expect(await store.audit.withPrefix('e', '0193f2a')).toEqual([ids[0], ids[1], ids[3]]);
    expect(await store.audit.withPrefix('other', '0193f2a4-5b6e')).toEqual([ids[2]]);
    expect(await store.audit.withPrefix('e', '0193f2a4-5b6e')).toEqual([]);
    expect(await store.audit.withPrefix('e', 'ffff')).toEqual([]);
    for (let i = 0; i < 12; i++)
      await store.audit.insert(
        auditRow({ requestId: `abcd-${String(i).padStart(2, '0')}`, at: T0, environmentId: 'e' }),
      );
    expect(await store.audit.withPrefix('e', 'abcd')).toHaveLength(11);
  });

  it('drops old bodies a step at a time, each step reading only rows it has not seen', async () => {
    for (let i = 0; i < 5; i++)
      await store.audit.insert(
        auditRow({ requestId: `r${i}`, at: T0 + i * 1000, requestBody: `in ${i}`, responseBody: `out ${i}` }),
      );
    // Two rows in the same millisecond: the cursor tells them apart.
    await store.audit.insert(auditRow({ requestId: 'same', at: T0 + 2000, requestBody: 'in', responseBody: null }));
    expect(await store.audit.pruneBodies(T0 + 3000, 2)).toBe(2);
    expect(await store.audit.pruneBodies(T0 + 3000, 2)).toBe(2);
    expect(await store.audit.pruneBodies(T0 + 3000, 2)).toBe(0);
    for (const id of ['r0', 'r1', 'r2', 'same'])
      expect(await store.audit.get(id)).toMatchObject({ requestBody: null, responseBody: null });
    expect(await store.audit.get('r3')).toMatchObject({ requestBody: 'in 3', responseBody: 'out 3' });
    // A longer window later goes on from where the cursor stopped.
    expect(await store.audit.pruneBodies(T0 + 10_000, 10)).toBe(2);
    expect(await store.audit.get('r4')).toMatchObject({ requestBody: null, responseBody: null });
    expect(await store.audit.count()).toBe(6);
  });

  it('deletes old rows oldest first, a limited number at a time', async () => {
    for (let i = 0; i < 5; i++) await store.audit.insert(auditRow({ requestId: `r${i}`, at: T0 + (4 - i) * 1000 }));
    expect(await store.audit.prune(T0 + 3000, 2)).toBe(2);
    expect(await store.audit.get('r4')).toBeUndefined();
    expect(await store.audit.get('r3')).toBeUndefined();
    expect(await store.audit.prune(T0 + 3000, 2)).toBe(1);
    expect(await store.audit.prune(T0 + 3000, 2)).toBe(0);
    expect(await store.audit.count()).toBe(2);
  });
});
