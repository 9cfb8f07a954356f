import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { probe } from '../../src/providers/probe.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fake-bedrock.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';

const connection = (provider: string, config: Record<string, unknown>) => ({
  id: `c-${provider}`,
  name: `my-${provider}`,
  provider,
  config,
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('probe', () => {
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let bedrock: FakeBedrock;
  beforeAll(async () => {
    [openai, anthropic, bedrock] = await Promise.all([
      startFakeOpenAI({ models: ['a', 'b'] }),
      startFakeAnthropic(),
      startFakeBedrock({ accessKeyId: 'AKIATEST' }),
    ]);
  });
  afterAll(() => Promise.all([openai.close(), anthropic.close(), bedrock.close()]));

  it('lists the models of an OpenAI-compatible server', async () => {
    const result = await probe(connection('groq', { baseUrl: openai.url }), { apiKey: 'gsk-123456' });
    expect(result).toEqual({ ok: true, latencyMs: expect.any(Number), models: 2 });
    expect(openai.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(openai.requests.at(-1)!.headers.authorization).toBe('Bearer gsk-123456');
  });

  it('sends a one-token completion in the dialect the adapter speaks, encoded by its codec', async () => {
    const chat = await probe(connection('openai-compatible', { baseUrl: openai.url }), {}, { model: 'm' });
    expect(chat).toEqual({ ok: true, latencyMs: expect.any(Number), model: 'm' });
    expect(openai.requests.at(-1)).toMatchObject({ path: '/v1/chat/completions' });
    expect(openai.requests.at(-1)!.json).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'ping' }],
      max_completion_tokens: 1,
    });

    const messages = await probe(
      connection('anthropic', { baseUrl: anthropic.url }),
      { apiKey: 'sk-ant-1' },
      {
        model: 'claude-haiku-4-5',
      },
    );
    expect(messages).toMatchObject({ ok: true, model: 'claude-haiku-4-5' });
    expect(anthropic.requests.at(-1)).toMatchObject({ route: 'messages', apiKey: 'sk-ant-1' });
    expect(anthropic.requests.at(-1)!.json).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 1 });

    // Bedrock answers an OpenAI-shaped request through Converse, whatever the model.
    const converse = await probe(
      connection('aws-bedrock', { baseUrl: bedrock.url, region: 'us-east-1' }),
      { accessKeyId: 'AKIATEST', secretAccessKey: 'secret-key-123' },
      { model: 'anthropic.claude-3-haiku-20240307-v1:0' },
    );
    expect(converse).toMatchObject({ ok: true, model: 'anthropic.claude-3-haiku-20240307-v1:0' });
    expect(bedrock.requests.at(-1)).toMatchObject({
      operation: 'converse',
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    });
    expect(bedrock.requests.at(-1)!.json).toMatchObject({ inferenceConfig: { maxTokens: 1 } });
  });

  it("reports the provider's error as its dialect writes it, secrets blanked out", async () => {
    anthropic.enqueue({ kind: 'error', status: 401, type: 'authentication_error', message: 'bad key sk-ant-secret-9' });
    const failed = await probe(
      connection('anthropic', { baseUrl: anthropic.url }),
      { apiKey: 'sk-ant-secret-9' },
      {
        model: 'claude-haiku-4-5',
      },
    );
    expect(failed).toEqual({ ok: false, message: '401 bad key ********' });

    openai.enqueue({ kind: 'error', status: 404, body: { message: 'no such model' } });
    expect(await probe(connection('openai', { baseUrl: openai.url }), { apiKey: 'k' }, { model: 'x' })).toEqual({
      ok: false,
      message: '404 no such model',
    });
  });

  it('says so when a provider has no model list to try without a model', async () => {
    await expect(probe(connection('anthropic', { baseUrl: anthropic.url }), {})).rejects.toThrow(UsageError);
  });

  it('fails a stored config the provider schema refuses as unavailable, before any request', async () => {
    const before = bedrock.requests.length;
    const result = await probe(connection('aws-bedrock', { baseUrl: bedrock.url }), {}, { model: 'm' });
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('invalid stored config (region') });
    expect(bedrock.requests.length).toBe(before);
  });
});
