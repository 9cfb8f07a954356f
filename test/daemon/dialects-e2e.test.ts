import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fake-bedrock.js';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

const CLAUDE = 'anthropic.claude-3-haiku-20240307-v1:0';

describeEachGateway('passthrough is verbatim; errors and conversions speak the caller’s dialect', (backend) => {
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  let bedrock: FakeBedrock;
  beforeAll(async () => {
    gw = await startGateway({ backend });
    anthropic = await startFakeAnthropic();
    bedrock = await startFakeBedrock();
    const env = gw.env.environmentId;
    const claude = await gw.repos.connections.create({
      environmentId: env,
      name: 'claude',
      provider: 'anthropic',
      config: { baseUrl: anthropic.url },
      capacity: [],
      user: 't',
    });
    const aws = await gw.repos.connections.create({
      environmentId: env,
      name: 'aws',
      provider: 'aws-bedrock',
      config: { baseUrl: bedrock.url, region: 'us-east-1' },
      capacity: [],
      user: 't',
    });
    await gw.writeSecret(claude.id, { apiKey: 'sk-ant-e2e' });
    await gw.writeSecret(aws.id, { accessKeyId: 'AKIDE2E', secretAccessKey: 'e2e-secret' });
    const resource = (name: string, connectionId: string, model: string) =>
      gw.repos.resources.create(env, singleModelResource(name, { connectionId, model }), 't');
    await resource('sonnet', claude.id, 'claude-sonnet-4-5');
    await resource('bedrock-claude', aws.id, CLAUDE);
    await new Promise((resolve) => setTimeout(resolve, 400));
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
    await bedrock.close();
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${gw.baseURL}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': gw.key, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  const unknownFields = { future_field: { nested: [1, 'two'] }, cache_hint: 'x' };

  it('messages → anthropic: the upstream gets the client body unchanged except model', async () => {
    const body = {
      model: 'sonnet',
      max_tokens: 64,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
      ...unknownFields,
    };
    const response = await post('/anthropic/v1/messages', body);
    expect(response.status).toBe(200);
    expect(anthropic.requests.at(-1)!.json).toEqual({ ...body, model: 'claude-sonnet-4-5' });
  });

  it('messages → Bedrock Claude: the InvokeModel body is the client body minus model, plus anthropic_version', async () => {
    const body = {
      model: 'bedrock-claude',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
      ...unknownFields,
    };
    const response = await post('/anthropic/messages', body);
    expect(response.status).toBe(200);
    const { model: _model, ...rest } = body;
    expect(bedrock.requests.at(-1)!.json).toEqual({ anthropic_version: 'bedrock-2023-05-31', ...rest });
    expect(bedrock.requests.at(-1)!.modelId).toBe(CLAUDE);
  });

  it('chat → openai and responses → openai: unchanged except model', async () => {
    const chat = {
      model: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
      logit_bias: { '50256': -100 },
      ...unknownFields,
    };
    expect((await post('/chat/completions', chat)).status).toBe(200);
    expect(gw.fake.requests.at(-1)!.json).toEqual({ ...chat, model: 'fake-model' });
    const responses = { model: 'chat', input: 'hi', store: false, reasoning: { effort: 'low' }, ...unknownFields };
    expect((await post('/responses', responses)).status).toBe(200);
    expect(gw.fake.requests.at(-1)!.json).toEqual({ ...responses, model: 'fake-model' });
  });

  it('an OpenAI provider failing on the messages route answers in Anthropic’s error shape', async () => {
    gw.fake.enqueue({ kind: 'error', status: 503 });
    const response = await post('/anthropic/messages', {
      model: 'chat',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(503);
    // The provider's status and message, in Anthropic's shape, with the nearest type.
    expect(JSON.parse(response.text)).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'fake upstream error 503' },
      vmx: expect.objectContaining({ events: [] }),
    });
    const client = new Anthropic({ baseURL: `${gw.baseURL}/anthropic`, apiKey: gw.key, maxRetries: 0 });
    gw.fake.enqueue({ kind: 'error', status: 503 });
    await expect(
      client.messages.create({ model: 'chat', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(Anthropic.InternalServerError);
  });

  it('a converted stream that breaks mid-way ends with the dialect’s error event', async () => {
    gw.fake.enqueue({ kind: 'stream-then-fail', afterChunks: 3 });
    const messages = await fetch(`${gw.baseURL}/anthropic/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gw.key },
      body: JSON.stringify({
        model: 'chat',
        max_tokens: 16,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const text = await messages.text();
    expect(text).toContain('event: message_start');
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(
      /^event: error\ndata: \{"type":"error","error":\{"type":"api_error"/,
    );

    anthropic.enqueue({ kind: 'stream-then-fail', afterEvents: 4 });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    await expect(
      client.chat.completions
        .stream({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] })
        .finalChatCompletion(),
    ).rejects.toThrow();
  });

  it('lists what a conversion dropped in the audit events', async () => {
    const response = await post('/chat/completions', {
      model: 'sonnet',
      messages: [{ role: 'user', content: 'hi' }],
      logit_bias: { '1': 1 },
      n: 1,
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-vmx-request-id')!;
    await eventually(() => gw.repos.audit.get(requestId));
    const events = (await gw.repos.audit.get(requestId))!.events as Array<{ type: string; dropped?: string[] }>;
    const conversion = events.find((e) => e.type === 'conversion');
    expect(conversion?.dropped?.join(' ')).toContain('logit_bias');
  });

  it('count_tokens: native for Anthropic, the estimate elsewhere', async () => {
    const counted = await post('/anthropic/v1/messages/count_tokens', {
      model: 'sonnet',
      messages: [{ role: 'user', content: 'count me please' }],
    });
    expect(counted.status).toBe(200);
    expect(anthropic.requests.at(-1)!.path).toBe('/v1/messages/count_tokens');
    expect(JSON.parse(counted.text)).toEqual({ input_tokens: expect.any(Number) });
    const estimated = await post('/anthropic/messages/count_tokens', {
      model: 'chat',
      messages: [{ role: 'user', content: 'count me please' }],
    });
    expect(JSON.parse(estimated.text).input_tokens).toBeGreaterThan(0);
  });
});
