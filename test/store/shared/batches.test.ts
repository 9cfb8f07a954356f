import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, expect, it } from 'vitest';
import type { StoreBackend } from '../../../src/store/backend.js';
import type { BatchItemOutcome, ClaimedItem, NewBatch, NewBatchItem } from '../../../src/store/repos/batches.js';
import type { Environment } from '../../../src/store/repos/environments.js';
import { describeEachBackend, seedEnvironment } from '../backends.js';
import { answered } from '../../helpers/batches.js';

/** A chat request of the uploaded file's line n + 1. */
const chat = (n: number): NewBatchItem => ({
  line: n + 1,
  customId: `req-${n}`,
  route: 'chat',
  resource: 'chat',
  request: { model: 'chat', messages: [{ role: 'user', content: `hello ${n}` }] },
});
const chats = (count: number) => Array.from({ length: count }, (_, n) => chat(n));
const malformed: NewBatchItem = {
  line: 2,
  route: 'chat',
  resource: '',
  request: null,
  error: { code: 'invalid_json', message: 'line 2 is not JSON' },
};
const keys = (items: ClaimedItem[]) => items.map((item) => `${item.batchId}#${item.idx}`);
const T = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A store with one environment, and how to make batches in it. */
function fixture(open: () => Promise<StoreBackend>) {
  const the = {} as { store: StoreBackend; dev: Environment };
  beforeEach(async () => {
    the.store = await open();
    the.dev = (await seedEnvironment(the.store)).environment;
  });
  const input = (fields: Partial<NewBatch> = {}): NewBatch => ({
    environmentId: the.dev.id,
    keyId: 'key-1',
    createdBy: 'alice',
    source: 'openai',
    type: 'async',
    endpoint: '/v1/chat/completions',
    capacity: [{ period: 'minute', requests: 10 }],
    callback: null,
    ...fields,
  });
  const batch = (items: NewBatchItem[], fields: Partial<NewBatch> = {}) =>
    the.store.batches.create(input(fields), items);
  const claim = (owner: string, now: number, limit = 100, leaseMs = 60_000) =>
    the.store.batches.claim({ owner, now, limit, leaseMs });
  return { the, input, batch, claim };
}

describeEachBackend('batches', ({ open }) => {
  const { the, batch, claim } = fixture(open);

  it('creates a batch with its items in order, a malformed line failed from the start', async () => {
    const callback = { url: 'https://hooks.example/b', headers: { 'x-token': 't' }, events: ['all' as const] };
    const created = await batch([chat(0), malformed, chat(2)], {
      type: 'callback',
      callback,
      inputFileId: 'file-0123',
      metadata: { team: 'search' },
    });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^batch_[0-9a-f]{32}$/),
      environmentId: the.dev.id,
      keyId: 'key-1',
      createdBy: 'alice',
      source: 'openai',
      type: 'callback',
      endpoint: '/v1/chat/completions',
      status: 'queued',
      capacity: [{ period: 'minute', requests: 10 }],
      callback,
      inputFileId: 'file-0123',
      outputFileId: null,
      errorFileId: null,
      metadata: { team: 'search' },
      startedAt: null,
      finishedAt: null,
      cancelledAt: null,
      counts: { total: 3, queued: 2, running: 0, completed: 0, failed: 1, cancelled: 0 },
      inputTokens: 0,
      outputTokens: 0,
      nextAt: 0,
    });
    expect(created.updatedAt).toBe(created.createdAt);
    expect(await the.store.batches.get(the.dev.id, created.id)).toEqual(created);

    const items = await the.store.batches.items(created.id);
    expect(items.map((i) => [i.idx, i.line, i.customId, i.status])).toEqual([
      [0, 1, 'req-0', 'queued'],
      [1, 2, null, 'failed'],
      [2, 3, 'req-2', 'queued'],
    ]);
    expect(items[0]).toMatchObject({
      batchId: created.id,
      route: 'chat',
      resource: 'chat',
      request: chat(0).request,
      attempts: 0,
      notBefore: 0,
      claimedBy: null,
      claimedUntil: null,
      requestId: null,
      statusCode: null,
      response: null,
      error: null,
      inputTokens: 0,
      outputTokens: 0,
    });
    expect(items[1]).toMatchObject({ request: null, error: malformed.error });
    expect(await the.store.batches.items(created.id, { status: 'failed' })).toEqual([items[1]]);
    expect(await the.store.batches.items(created.id, { limit: 1, offset: 1 })).toEqual([items[1]]);
    expect(await the.store.batches.items(created.id, { offset: 2 })).toEqual([items[2]]);
  });

  it('completes a batch with nothing to run at once', async () => {
    const failed = await batch([malformed]);
    expect(failed).toMatchObject({ status: 'completed', startedAt: null, counts: { total: 1, failed: 1 } });
    expect(failed.finishedAt).not.toBeNull();
    expect(await batch([])).toMatchObject({ status: 'completed', counts: { total: 0 }, nextAt: null });
    expect(await claim('d1', T)).toEqual([]);
  });

  it('lists newest first and pages with after, within the environment', async () => {
    const { environment: prod } = await seedEnvironment(the.store, 'other', 'prod');
    const made = [];
    for (let n = 0; n < 3; n++) {
      made.push(await batch([chat(0)]));
      await sleep(2);
    }
    const [a, b, c] = made;
    const ids = async (options: { limit: number; after?: string }) =>
      (await the.store.batches.list(the.dev.id, options)).map((x) => x.id);
    expect(await the.store.batches.list(the.dev.id, { limit: 2 })).toEqual([c, b]);
    expect(await ids({ limit: 2, after: b!.id })).toEqual([a!.id]);
    expect(await ids({ limit: 10, after: c!.id })).toEqual([b!.id, a!.id]);
    expect(await ids({ limit: 10, after: a!.id })).toEqual([]);
    expect(await the.store.batches.list(prod.id, { limit: 10 })).toEqual([]);
    expect(await the.store.batches.get(prod.id, a!.id)).toBeUndefined();
    expect(await the.store.batches.cancel(prod.id, a!.id)).toBeUndefined();
  });

  it('cancels a queued batch at once', async () => {
    const queued = await batch(chats(3));
    const cancelled = await the.store.batches.cancel(the.dev.id, queued.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', counts: { total: 3, cancelled: 3, queued: 0 } });
    expect(cancelled!.cancelledAt).not.toBeNull();
    expect(cancelled!.finishedAt).toBe(cancelled!.cancelledAt);
    expect(await claim('d1', T)).toEqual([]);
    expect(await the.store.batches.nextWake(T)).toBeNull();
    expect(await the.store.batches.cancel(the.dev.id, 'batch_nope')).toBeUndefined();
  });

  it('cancels a running batch: queued items at once, the batch once its running items are done', async () => {
    const running = await batch(chats(4));
    const [first, second] = await claim('d1', T, 2);
    const cancelling = await the.store.batches.cancel(the.dev.id, running.id);
    expect(cancelling).toMatchObject({
      status: 'cancelling',
      finishedAt: null,
      counts: { total: 4, running: 2, cancelled: 2, queued: 0 },
    });
    expect(cancelling!.cancelledAt).not.toBeNull();
    expect(await the.store.batches.cancel(the.dev.id, running.id)).toEqual(cancelling);
    expect(await claim('d2', T + 1)).toEqual([]);

    expect(await the.store.batches.finish(running.id, first!.idx, 'd1', answered())).toBe(true);
    expect(await the.store.batches.get(the.dev.id, running.id)).toMatchObject({ status: 'cancelling' });
    // Parked in a batch being cancelled, an item is cancelled rather than queued again.
    expect(await the.store.batches.park(running.id, second!.idx, 'd1', T + 5_000)).toBe(true);
    const cancelled = await the.store.batches.get(the.dev.id, running.id);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      counts: { total: 4, running: 0, completed: 1, cancelled: 3 },
      inputTokens: 10,
      nextAt: null,
    });
    expect(cancelled!.finishedAt).not.toBeNull();
    expect(await the.store.batches.cancel(the.dev.id, running.id)).toEqual(cancelled);
  });

  it('cancels the items a dead daemon left running in a cancelling batch, once their lease is over', async () => {
    const running = await batch(chats(2));
    await claim('dead', T, 1, 1_000);
    await the.store.batches.cancel(the.dev.id, running.id);
    expect(await the.store.batches.nextWake(T)).toBe(T + 1_001);
    expect(await claim('d2', T + 1_000)).toEqual([]);
    expect(await the.store.batches.get(the.dev.id, running.id)).toMatchObject({ status: 'cancelling' });
    expect(await claim('d2', T + 1_001)).toEqual([]);
    expect(await the.store.batches.get(the.dev.id, running.id)).toMatchObject({
      status: 'cancelled',
      counts: { cancelled: 2, running: 0 },
    });
    expect(await the.store.batches.nextWake(T + 1_001)).toBeNull();
    expect(await the.store.batches.finish(running.id, 0, 'dead', answered())).toBe(false);
  });

  it('records the files a batch produced', async () => {
    const made = await batch([chat(0)]);
    await the.store.batches.setFiles(made.id, { outputFileId: 'file-out', errorFileId: null });
    expect(await the.store.batches.get(the.dev.id, made.id)).toMatchObject({
      outputFileId: 'file-out',
      errorFileId: null,
    });
  });

  it('goes with its environment, items and all', async () => {
    const made = await batch(chats(2));
    await the.store.environments.delete(the.dev.id);
    expect(await the.store.batches.get(the.dev.id, made.id)).toBeUndefined();
    expect(await the.store.batches.items(made.id)).toEqual([]);
    expect(await claim('d1', T)).toEqual([]);
  });
});

describeEachBackend('batch items', ({ open, twin }) => {
  const { the, batch, claim } = fixture(open);

  it('claims the oldest batch first, then by idx, up to the limit, and starts the batches', async () => {
    const older = await batch(chats(3));
    await sleep(2);
    const newer = await batch(chats(2), { keyId: null, capacity: [] });
    const claimed = await claim('d1', T, 4, 30_000);
    expect(keys(claimed)).toEqual([0, 1, 2].map((n) => `${older.id}#${n}`).concat(`${newer.id}#0`));
    expect(claimed[0]).toMatchObject({
      status: 'running',
      attempts: 1,
      claimedBy: 'd1',
      claimedUntil: T + 30_000,
      updatedAt: T,
      request: chat(0).request,
      environmentId: the.dev.id,
      keyId: 'key-1',
      capacity: [{ period: 'minute', requests: 10 }],
    });
    expect(claimed[3]).toMatchObject({ keyId: null, capacity: [] });
    expect(await the.store.batches.get(the.dev.id, older.id)).toMatchObject({
      status: 'running',
      startedAt: iso(T),
      counts: { running: 3, queued: 0 },
      nextAt: null,
    });
    expect(await the.store.batches.get(the.dev.id, newer.id)).toMatchObject({
      status: 'running',
      counts: { running: 1, queued: 1 },
      nextAt: 0,
    });
    expect(keys(await claim('d2', T + 1))).toEqual([`${newer.id}#1`]);
    expect(await claim('d2', T + 2)).toEqual([]);
    // A later claim does not move a batch's start.
    expect(await the.store.batches.get(the.dev.id, newer.id)).toMatchObject({ startedAt: iso(T) });
  });

  it('finishes items with their outcome, sums tokens, and completes the batch after the last', async () => {
    const made = await batch(chats(3));
    await claim('d1', T);
    const failure = { code: 'invalid_request_error', message: 'bad' };
    const refused = answered({ status: 'failed', statusCode: 400, response: null, error: failure, outputTokens: 0 });
    expect(await the.store.batches.finish(made.id, 0, 'd1', answered())).toBe(true);
    expect(await the.store.batches.finish(made.id, 1, 'd1', refused)).toBe(true);
    expect(await the.store.batches.finish(made.id, 2, 'someone-else', answered())).toBe(false);
    expect(await the.store.batches.finish(made.id, 1, 'd1', answered())).toBe(false);
    expect(await the.store.batches.get(the.dev.id, made.id)).toMatchObject({
      status: 'running',
      finishedAt: null,
      counts: { completed: 1, failed: 1, running: 1 },
      inputTokens: 20,
      outputTokens: 4,
    });
    expect(await the.store.batches.finish(made.id, 2, 'd1', answered({ inputTokens: 1, outputTokens: 2 }))).toBe(true);
    const done = await the.store.batches.get(the.dev.id, made.id);
    expect(done).toMatchObject({
      status: 'completed',
      counts: { total: 3, completed: 2, failed: 1, running: 0, queued: 0 },
      inputTokens: 21,
      outputTokens: 6,
      nextAt: null,
    });
    expect(done!.finishedAt).not.toBeNull();
    const [first, second] = await the.store.batches.items(made.id);
    expect(first).toMatchObject({
      status: 'completed',
      requestId: 'req-1',
      statusCode: 200,
      response: { id: 'chatcmpl-1', choices: [] },
      error: null,
      claimedBy: null,
      claimedUntil: null,
      attempts: 1,
    });
    expect(second).toMatchObject({ status: 'failed', statusCode: 400, response: null, error: failure });
  });

  it('parks an item until its time, keeping its attempts; only its owner may', async () => {
    const made = await batch(chats(2));
    await claim('d1', T);
    expect(await the.store.batches.park(made.id, 0, 'd2', T + 1_000)).toBe(false);
    expect(await the.store.batches.park(made.id, 0, 'd1', T + 1_000)).toBe(true);
    expect(await the.store.batches.park(made.id, 0, 'd1', T + 1_000)).toBe(false);
    expect(await the.store.batches.get(the.dev.id, made.id)).toMatchObject({
      status: 'running',
      counts: { queued: 1, running: 1 },
      nextAt: T + 1_000,
    });
    expect((await the.store.batches.items(made.id))[0]).toMatchObject({
      status: 'queued',
      notBefore: T + 1_000,
      attempts: 1,
      claimedBy: null,
      claimedUntil: null,
    });
    expect(await claim('d1', T + 999)).toEqual([]);
    const [again] = await claim('d1', T + 1_000);
    expect(again).toMatchObject({ idx: 0, attempts: 2, status: 'running' });
  });

  it('takes an item again once its lease ran out; its first owner can no longer finish or park it', async () => {
    const made = await batch([chat(0)]);
    await claim('dead', T, 10, 1_000);
    expect(await claim('d2', T + 1_000)).toEqual([]);
    const [taken] = await claim('d2', T + 1_001, 10, 1_000);
    expect(taken).toMatchObject({ idx: 0, attempts: 2, claimedBy: 'd2', claimedUntil: T + 2_001 });
    expect(await the.store.batches.finish(made.id, 0, 'dead', answered())).toBe(false);
    expect(await the.store.batches.park(made.id, 0, 'dead', 0)).toBe(false);
    expect(await the.store.batches.finish(made.id, 0, 'd2', answered())).toBe(true);
    expect(await the.store.batches.get(the.dev.id, made.id)).toMatchObject({ status: 'completed' });
  });

  it('ends every lease at once for the sole runner that starts again (its last process died holding them)', async () => {
    const made = await batch([chat(0), chat(1), chat(2)]);
    await claim('dead', T, 2, 600_000);
    expect(await the.store.batches.expireLeases()).toBe(2);
    const taken = await claim('again', T + 1);
    expect(taken.map((item) => [item.idx, item.claimedBy, item.attempts])).toEqual([
      [0, 'again', 2],
      [1, 'again', 2],
      [2, 'again', 1],
    ]);
    expect(await the.store.batches.finish(made.id, 0, 'dead', answered())).toBe(false);
  });

  it('tells when a claim may next find work', async () => {
    expect(await the.store.batches.nextWake(T)).toBeNull();
    const made = await batch(chats(2));
    expect(await the.store.batches.nextWake(T)).toBe(T);
    await claim('d1', T, 10, 5_000);
    expect(await the.store.batches.nextWake(T)).toBe(T + 5_001);
    await the.store.batches.park(made.id, 1, 'd1', T + 3_000);
    expect(await the.store.batches.nextWake(T)).toBe(T + 3_000);
    expect(await the.store.batches.nextWake(T + 4_000)).toBe(T + 4_000);
    await the.store.batches.finish(made.id, 0, 'd1', answered());
    await the.store.batches.cancel(the.dev.id, made.id);
    expect(await the.store.batches.nextWake(T)).toBeNull();
  });

  it('never gives one item to two daemons claiming at the same time (PostgreSQL: SKIP LOCKED)', async () => {
    const made = [await batch(chats(40)), await batch(chats(35)), await batch(chats(25))];
    const daemons = [the.store, await twin(the.store)];
    const taken: string[] = [];
    const owners: string[] = [];
    // Four runners per daemon, each claiming a few items at a time until nothing is left.
    const runner = async (store: StoreBackend, owner: string) => {
      for (;;) {
        const claimed = await store.batches.claim({ owner, now: T, limit: 3, leaseMs: 600_000 });
        if (claimed.length === 0) return;
        taken.push(...keys(claimed));
        owners.push(owner.split('-')[0]!);
      }
    };
    await Promise.all(daemons.flatMap((store, d) => [0, 1, 2, 3].map((r) => runner(store, `d${d}-r${r}`))));
    expect(taken).toHaveLength(100);
    expect(new Set(taken).size).toBe(100);
    expect(new Set(owners)).toEqual(new Set(['d0', 'd1']));
    for (const { id, counts } of made) {
      expect(await the.store.batches.get(the.dev.id, id)).toMatchObject({
        status: 'running',
        counts: { total: counts.total, running: counts.total, queued: 0 },
      });
    }
  });

  it('runs batches to the end from two daemons at once: each item once, each batch completed by its last', async () => {
    const made = [await batch(chats(30)), await batch(chats(30))];
    const daemons = [the.store, await twin(the.store)];
    let finished = 0;
    const runner = async (store: StoreBackend, owner: string) => {
      for (;;) {
        const claimed = await store.batches.claim({ owner, now: T, limit: 2, leaseMs: 600_000 });
        if (claimed.length === 0) return;
        const done = await Promise.all(claimed.map((c) => store.batches.finish(c.batchId, c.idx, owner, answered())));
        finished += done.filter(Boolean).length;
      }
    };
    await Promise.all(daemons.flatMap((store, d) => [0, 1, 2].map((r) => runner(store, `d${d}-r${r}`))));
    expect(finished).toBe(60);
    for (const { id } of made) {
      expect(await the.store.batches.get(the.dev.id, id)).toMatchObject({
        status: 'completed',
        counts: { total: 30, completed: 30, running: 0 },
        inputTokens: 300,
      });
    }
  });
});
