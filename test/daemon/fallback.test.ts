import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

describeEachGateway('fallback (HTTP.md)', (backend) => {
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({ backend });
    const env = gw.env.environmentId;
    // A connection nobody listens on: connection refused.
    const dead = await gw.repos.connections.create({
      environmentId: env,
      name: 'dead',
      provider: 'openai-compatible',
      config: { baseUrl: 'http://127.0.0.1:9/v1' },
      capacity: [],
      user: 't',
    });
    const resource = (await gw.repos.resources.find(env, 'chat'))!;
    await gw.repos.resources.update(
      resource,
      { ...resource, fallbackModels: [{ connectionId: gw.env.connectionId, model: 'backup-model' }] },
      't',
    );
    await gw.repos.resources.create(
      env,
      {
        name: 'refused-first',
        description: null,
        model: { connectionId: dead.id, model: 'x' },
        fallbackModels: [{ connectionId: gw.env.connectionId, model: 'backup-model' }],
        useFallback: true,
        secondaryModels: [],
        routing: null,
        capacity: [],
        enforceCapacity: false,
      },
      't',
    );
    await settle();
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.fake.reset());

  const ask = (model = 'chat') =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();

  it.each([
    ['500', { kind: 'error', status: 500 }],
    ['429', { kind: 'error', status: 429 }],
    ['401 (bad credential on one connection)', { kind: 'error', status: 401 }],
    ['a dropped connection', { kind: 'close' }],
    ['no first byte in time (hang)', { kind: 'hang' }],
  ] as const)('falls back on %s', async (_case, failure) => {
    gw.fake.enqueue(failure as never);
    const { data, response } = await ask();
    expect(data.model).toBe('backup-model');
    expect(response.headers.get('x-vmx-event-count')).toBe('1');
    expect(response.headers.get('x-vmx-event-0-type')).toBe('fallback');
    expect(response.headers.get('x-vmx-event-0-from')).toBe('up/fake-model');
    expect((data as any).vmx.events).toEqual([
      expect.objectContaining({
        type: 'fallback',
        failed: { connection: 'up', provider: 'openai', model: 'fake-model' },
      }),
    ]);
    const requestId = response.headers.get('x-vmx-request-id')!;
    const attempts = await eventually(async () => {
      const rows = await gw.repos.usage.forRequest(requestId);
      return rows.length === 2 && rows;
    });
    expect(attempts.map((a) => [a.model, a.status >= 400])).toEqual([
      ['fake-model', true],
      ['backup-model', false],
    ]);
    const audit = await eventually(() => gw.repos.audit.get(requestId));
    expect(audit.events).toEqual([expect.objectContaining({ type: 'fallback', reason: attempts[0]!.error })]);
  });

  it('falls back on connection refused', async () => {
    const { data } = await ask('refused-first');
    expect(data.model).toBe('backup-model');
  });

  it.each([400, 422])('does not fall back on a provider %i', async (status) => {
    gw.fake.enqueue({ kind: 'error', status });
    await expect(ask()).rejects.toMatchObject({ status });
    expect(gw.fake.requests).toHaveLength(1);
  });

  it('when every model fails: the last provider’s error as it sent it; the earlier failures are in the events', async () => {
    gw.fake.enqueue({
      kind: 'error',
      status: 500,
      body: { error: { message: 'first down', type: 'server_error', code: null, param: null } },
    });
    gw.fake.enqueue({
      kind: 'error',
      status: 503,
      body: { error: { message: 'second overloaded', type: 'server_error', code: 'overloaded', param: null } },
    });
    const error = (await ask().catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(503);
    expect(error.message).toContain('second overloaded');
    expect(error.code).toBe('overloaded');
    gw.fake.enqueue({
      kind: 'error',
      status: 500,
      body: { error: { message: 'first down', type: 'server_error', code: null, param: null } },
    });
    gw.fake.enqueue({ kind: 'error', status: 503 });
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { vmx: { events: unknown[] } };
    expect(body.vmx.events).toEqual([
      expect.objectContaining({
        type: 'fallback',
        failed: expect.objectContaining({ model: 'fake-model' }),
        status: 500,
        reason: '500 first down',
      }),
    ]);
  });

  it('when the last model is unreachable, the answer is 502 upstream_error naming each failed model', async () => {
    gw.fake.enqueue({ kind: 'error', status: 500 }, { kind: 'close' });
    const error = (await ask().catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(502);
    expect(error.message).toContain('up/fake-model');
    expect(error.message).toContain('up/backup-model');
    expect((error.error as any).code).toBe('upstream_error');
  });

  it('a stream falls back before its first byte; after it, the stream ends with an error event', async () => {
    gw.fake.enqueue({ kind: 'error', status: 500 });
    const final = await client.chat.completions
      .stream({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })
      .finalChatCompletion();
    expect(final.model).toBe('backup-model');

    gw.fake.enqueue({ kind: 'stream-then-fail', afterChunks: 2 });
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^data: \{"error":\{.*"code":"upstream_error"/);
    expect(gw.fake.requests.map((r) => r.json.model)).toEqual(['fake-model', 'backup-model', 'fake-model']); // no fallback after the first byte
  });

  it('honours useFallback: false', async () => {
    const resource = (await gw.repos.resources.find(gw.env.environmentId, 'chat'))!;
    await gw.repos.resources.update(resource, { ...resource, useFallback: false }, 't');
    await settle();
    gw.fake.enqueue({ kind: 'error', status: 500 });
    await expect(ask()).rejects.toMatchObject({ status: 500 });
    expect(gw.fake.requests).toHaveLength(1);
    await gw.repos.resources.update(
      (await gw.repos.resources.find(gw.env.environmentId, 'chat'))!,
      { ...resource, useFallback: true },
      't',
    );
    await settle();
  });

  it('a connection out of capacity falls back like a provider 429', async () => {
    const env = gw.env.environmentId;
    const limited = await gw.repos.connections.create({
      environmentId: env,
      name: 'limited',
      provider: 'openai-compatible',
      config: { baseUrl: gw.fake.url },
      capacity: [{ period: 'day', requests: 1 }],
      user: 't',
    });
    await gw.repos.resources.create(
      env,
      {
        name: 'capped',
        description: null,
        model: { connectionId: limited.id, model: 'capped-model' },
        fallbackModels: [{ connectionId: gw.env.connectionId, model: 'backup-model' }],
        useFallback: true,
        secondaryModels: [],
        routing: null,
        capacity: [],
        enforceCapacity: false,
      },
      't',
    );
    await settle();
    expect((await ask('capped')).data.model).toBe('capped-model');
    const { data, response } = await ask('capped');
    expect(data.model).toBe('backup-model');
    expect(response.headers.get('x-vmx-event-0-reason')).toMatch(/^429 capacity exceeded at connection level/);
  });
});
