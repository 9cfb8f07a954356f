import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { MAX_BATCH_ITEMS } from '../../src/gateway/batch/input.js';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/** 5 s into a minute. */
const START = Date.UTC(2026, 11, 1, 10, 0, 5);
let now = START;
const clock = () => now;
const NEXT_MINUTE = START - (START % 60_000) + 60_000;
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

const item = (i: number, resource = 'chat') => ({
  resource,
  request: { messages: [{ role: 'user', content: `question ${i}` }] },
});

interface Answer {
  status: number;
  body: any;
}

/** A callback receiver: every POST's headers and JSON body, in order. */
async function callbackServer(): Promise<{
  url: string;
  posts: { headers: IncomingHttpHeaders; body: any }[];
  server: Server;
}> {
  const posts: { headers: IncomingHttpHeaders; body: any }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      posts.push({ headers: req.headers, body: JSON.parse(text) });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=t`, posts, server };
}

/** vmx's own batch routes (reference §1.11): async with polling, sync as SSE, callback POSTs. */
describeEachGateway('vmx batch routes', (backend) => {
  let gw: TestGateway | undefined;
  let hooks: Server | undefined;
  afterEach(async () => {
    await gw?.close();
    hooks?.close();
    gw = hooks = undefined;
    now = START;
  });

  const base = () => `${gw!.url}/v1/completion-batch/acme/dev`;
  async function call(method: string, path: string, body?: unknown, key = gw!.key): Promise<Answer> {
    const response = await fetch(`${base()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }
  /** The connection takes 2 requests a minute. */
  async function paced(): Promise<void> {
    const connection = (await gw!.repos.connections.get(gw!.env.connectionId))!;
    await gw!.repos.connections.update(connection, { capacity: [{ period: 'minute', requests: 2 }] }, 'alice');
    await settle(); // the daemon reloads its configuration
  }

  it('async: the batch answers at once, GET shows its counts and percentage move, ?items=true its outcomes', async () => {
    gw = await startGateway({ backend, clock });
    await paced();
    const created = await call('POST', '', { type: 'async', items: [0, 1, 2, 3].map((i) => item(i)) });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ object: 'completion_batch', type: 'async', totalItems: 4 });
    expect(created.body.callback).toBeNull();
    const id = created.body.id as string;

    const half = await eventually(async () => {
      const { body } = await call('GET', `/${id}`);
      return body.counts.completed === 2 && body.counts.running === 0 && body;
    });
    expect(half).toMatchObject({
      status: 'running',
      completedPercentage: 50,
      nextAt: new Date(NEXT_MINUTE).toISOString(),
    });
    expect(half.startedAt).toBeTruthy();
    expect(half.finishedAt).toBeNull();

    now = NEXT_MINUTE + 1_000;
    const done = await eventually(async () => {
      const { body } = await call('GET', `/${id}?items=true`);
      return body.status === 'completed' && body;
    });
    expect(done).toMatchObject({ completedPercentage: 100, nextAt: null, counts: { completed: 4, failed: 0 } });
    expect(done.inputTokens).toBeGreaterThan(0);
    expect(done.outputTokens).toBeGreaterThan(0);
    expect(done.items.map((i: any) => [i.idx, i.status, i.statusCode])).toEqual(
      [0, 1, 2, 3].map((i) => [i, 'completed', 200]),
    );
    expect(done.items[0].response.choices[0].message.content).toContain('fake-model');
    expect(gw.fake.requests).toHaveLength(4);
  });

  it('sync: an SSE stream of the batch as it goes, a wait for the next window included, to the end', async () => {
    gw = await startGateway({ backend, clock });
    await paced();
    const response = await fetch(base(), {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'SYNC', items: [item(0), { resource: 'chat', request: 'nope' }, item(2), item(3)] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events: { action: string; payload: any }[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!frame.startsWith('data: ')) continue;
        const event = JSON.parse(frame.slice(6));
        events.push(event);
        if (event.action === 'batch-waiting') now = NEXT_MINUTE + 1_000;
      }
    }
    const actions = events.map((e) => e.action);
    expect(actions[0]).toBe('batch-created');
    expect(actions.at(-1)).toBe('batch-completed');
    expect(actions.filter((a) => a === 'item-completed')).toHaveLength(3);
    expect(actions.filter((a) => a === 'item-failed')).toHaveLength(1);
    const waiting = events.find((e) => e.action === 'batch-waiting')!;
    expect(waiting.payload).toMatchObject({ nextAt: new Date(NEXT_MINUTE).toISOString(), counts: { queued: 1 } });
    // Two ran in the first minute; the third only after the wait.
    expect(actions.indexOf('batch-waiting')).toBeGreaterThan(actions.indexOf('item-completed'));
    expect(actions.lastIndexOf('item-completed')).toBeGreaterThan(actions.indexOf('batch-waiting'));
    const failed = events.find((e) => e.action === 'item-failed')!.payload;
    expect(failed).toMatchObject({ idx: 1, status: 'failed', error: { code: 'invalid_request' } });
    expect(failed.error.message).toContain('items[1]');
    const finished = events.filter((e) => e.action.startsWith('item-')).map((e) => e.payload.idx);
    expect(finished.sort()).toEqual([0, 1, 2, 3]);
    expect(events.at(-1)!.payload).toMatchObject({ status: 'completed', counts: { completed: 3, failed: 1 } });
  });

  it('sync: a client that goes away stops its stream, not the batch', async () => {
    gw = await startGateway({ backend, clock });
    await paced();
    const abort = new AbortController();
    const response = await fetch(base(), {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'sync', items: [0, 1, 2].map((i) => item(i)) }),
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const id = JSON.parse(first.slice('data: '.length).split('\n\n')[0]!).payload.id as string;
    abort.abort();
    await reader.cancel().catch(() => undefined);
    const counts = async () => (await gw!.repos.batches.get(gw!.env.environmentId, id))!.counts;
    await eventually(async () => (await counts()).completed === 2);
    now = NEXT_MINUTE + 1_000;
    const done = await eventually(async () => {
      const batch = await gw!.repos.batches.get(gw!.env.environmentId, id);
      return batch?.status === 'completed' && batch;
    });
    expect(done.counts).toMatchObject({ completed: 3, failed: 0 });
  });

  it('callback: ITEM_UPDATE and BATCH_UPDATE posts with the given headers, as the events ask', async () => {
    gw = await startGateway({ backend });
    const receiver = await callbackServer();
    hooks = receiver.server;
    const callback = { url: receiver.url, headers: { 'x-hook-secret': 's3cret' }, events: ['ALL'] };
    const created = await call('POST', '', { type: 'callback', items: [item(0), item(1)], callback });
    expect(created.status).toBe(200);
    expect(created.body.callback).toEqual({ url: receiver.url, events: ['all'] }); // headers never shown
    // …nor stored: they may carry credentials, and live only in the memory of the daemon that posts.
    const stored = await gw.repos.batches.get(gw.env.environmentId, created.body.id);
    expect(stored!.callback).toEqual({ url: receiver.url, events: ['all'] });
    const end = (posts: typeof receiver.posts) =>
      posts.some((p) => p.body.event === 'BATCH_UPDATE' && p.body.payload.status === 'completed');
    await eventually(() => end(receiver.posts));
    const items = receiver.posts.filter((p) => p.body.event === 'ITEM_UPDATE');
    expect(items.map((p) => p.body.payload.idx).sort()).toEqual([0, 1]);
    expect(items.every((p) => p.body.payload.status === 'completed' && p.body.payload.statusCode === 200)).toBe(true);
    expect(receiver.posts.every((p) => p.headers['x-hook-secret'] === 's3cret')).toBe(true);
    expect(receiver.posts.at(-1)!.body).toMatchObject({ event: 'BATCH_UPDATE', payload: { id: created.body.id } });

    // Only the batch's updates when only those are asked for.
    const before = receiver.posts.length;
    const second = await call('POST', '', {
      type: 'callback',
      items: [item(2)],
      callback: { url: receiver.url, events: ['batch_update'] },
    });
    await eventually(() => end(receiver.posts.slice(before)));
    const later = receiver.posts.slice(before);
    expect(later.every((p) => p.body.event === 'BATCH_UPDATE' && p.body.payload.id === second.body.id)).toBe(true);
  });

  it('a key restricted to one resource: the item naming another fails alone with resource_not_allowed', async () => {
    gw = await startGateway({ backend });
    await gw.repos.resources.create(
      gw.env.environmentId,
      singleModelResource('other', { connectionId: gw.env.connectionId, model: 'fake-model' }),
      'alice',
    );
    const limited = await gw.createKey({ resources: [gw.env.resourceId] });
    const created = await call('POST', '', { type: 'async', items: [item(0), item(1, 'other'), item(2)] }, limited);
    expect(created.status).toBe(200);
    const done = await eventually(async () => {
      const { body } = await call('GET', `/${created.body.id}?items=1`, undefined, limited);
      return body.status === 'completed' && body;
    });
    expect(done.items.map((i: any) => i.status)).toEqual(['completed', 'failed', 'completed']);
    expect(done.items[1].error).toEqual({
      code: 'resource_not_allowed',
      message: "this API key may not use resource 'other'",
    });
    expect(gw.fake.requests).toHaveLength(2);
  });

  it('cancel stops what has not run; unknown batches are 404, missing keys 401', async () => {
    gw = await startGateway({ backend, clock });
    await paced();
    const created = await call('POST', '', { type: 'async', items: [0, 1, 2, 3, 4].map((i) => item(i)) });
    const id = created.body.id as string;
    await eventually(async () => (await call('GET', `/${id}`)).body.counts.completed === 2);
    const cancelled = await call('POST', `/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(['cancelling', 'cancelled']).toContain(cancelled.body.status);
    const done = await eventually(async () => {
      const { body } = await call('GET', `/${id}`);
      return body.status === 'cancelled' && body;
    });
    expect(done.counts).toMatchObject({ completed: 2, cancelled: 3, queued: 0 });
    expect(done.completedPercentage).toBe(100);
    expect((await call('GET', '/batch_nope')).status).toBe(404);
    expect((await call('POST', '/batch_nope/cancel')).status).toBe(404);
    expect((await call('GET', `/${id}`, undefined, 'vmx-not-a-key')).status).toBe(401);
    const elsewhere = await fetch(`${gw.url}/v1/completion-batch/acme/nowhere/${id}`, {
      headers: { authorization: `Bearer ${gw.key}` },
    });
    expect(elsewhere.status).toBe(404);
  });

  it('400 naming the field for bad input; more than the most items a batch holds is refused', async () => {
    gw = await startGateway({ backend });
    const refusals: [unknown, string][] = [
      [{ items: [item(0)] }, 'type: is required'],
      [{ type: 'later', items: [item(0)] }, 'type:'],
      [{ type: 'async', items: 'x' }, 'items:'],
      [{ type: 'async', items: [] }, 'items: must hold at least one item'],
      [{ type: 'async', items: [item(0)], capacity: [{ period: 'fortnight', requests: 1 }] }, 'capacity[0].period'],
      [{ type: 'callback', items: [item(0)] }, 'callback: is required'],
      [{ type: 'callback', items: [item(0)], callback: { url: 'ftp://x', events: ['all'] } }, 'callback.url'],
      [{ type: 'callback', items: [item(0)], callback: { url: 'http://x', events: ['some'] } }, 'callback.events[0]'],
      [{ type: 'async', items: Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => 0) }, `at most ${MAX_BATCH_ITEMS}`],
    ];
    for (const [body, message] of refusals) {
      const answer = await call('POST', '', body);
      expect(answer.status, message).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
      expect(answer.body.error.message).toContain(message);
    }
    const batches = await gw.repos.batches.list(gw.env.environmentId, { limit: 10 });
    expect(batches).toHaveLength(0);
    // Multipart is the files routes' alone: anywhere else a form is a body that is not JSON.
    const form = new FormData();
    form.append('type', 'async');
    const multipart = await fetch(base(), {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: form,
    });
    expect(multipart.status).toBe(400);
    expect(((await multipart.json()) as any).error.message).toContain('not valid JSON');
  });
});
