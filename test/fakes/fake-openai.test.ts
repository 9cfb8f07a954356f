import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakePromptTokens, fakeTokens, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';

// The fake is only useful if the official SDK parses it like the real API: every test here uses the SDK.
let fake: FakeOpenAI;
let client: OpenAI;
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Say hello to the benchmark.' },
];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ baseURL: fake.url, apiKey: 'sk-fake', maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('fake OpenAI upstream', () => {
  it('answers chat.completions.create with a deterministic reply and usage', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages });

    const text = 'Hello from fake model gpt-test';
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-test');
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: text, refusal: null });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    const prompt = fakeTokens('Be brief.Say hello to the benchmark.');
    expect(prompt).toBe(fakePromptTokens(messages));
    expect(completion.usage).toMatchObject({
      prompt_tokens: prompt,
      completion_tokens: fakeTokens(text),
      total_tokens: prompt + fakeTokens(text),
      prompt_tokens_details: { cached_tokens: 0 },
    });

    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions', aborted: false });
    expect(request!.headers.authorization).toBe('Bearer sk-fake');
    expect(JSON.parse(request!.rawBody)).toEqual({ model: 'gpt-test', messages });
    expect(request!.json.model).toBe('gpt-test');
    expect(request!.sentUsage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: fakeTokens(text),
      total_tokens: prompt + fakeTokens(text),
      cached_tokens: 0,
    });
    await request!.closed;
    expect(request!.closedAt).toBeGreaterThanOrEqual(request!.receivedAt);
  });

  it('uses the text, usage, model and headers a reply behaviour gives', async () => {
    fake.enqueue({
      kind: 'reply',
      text: 'custom',
      model: 'gpt-test-2025',
      usage: { prompt_tokens: 11, completion_tokens: 7, cached_tokens: 5 },
      headers: { 'x-ratelimit-limit-requests': '500', 'x-ratelimit-limit-tokens': '30000' },
    });
    const { data, response } = await client.chat.completions.create({ model: 'gpt-test', messages }).withResponse();

    expect(data.choices[0]!.message.content).toBe('custom');
    expect(data.model).toBe('gpt-test-2025');
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, prompt_tokens_details: { cached_tokens: 5 } });
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('500');
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('30000');
  });

  it('streams without a usage chunk unless stream_options.include_usage is set', async () => {
    fake.enqueue({ kind: 'reply', text: 'one two three', chunks: 3 });
    const stream = await client.chat.completions.create({ model: 'gpt-test', messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('one two three');
    expect(chunks.filter((c) => c.choices[0]?.delta.content)).toHaveLength(3);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
    expect(fake.requests[0]!.sentUsage).toBeDefined();
  });

  it('ends a stream with a usage chunk when include_usage is set (chat.completions.stream)', async () => {
    const stream = client.chat.completions.stream({ model: 'gpt-test', messages, stream_options: { include_usage: true } });
    const seen: unknown[] = [];
    stream.on('chunk', (chunk) => seen.push(chunk));
    const final = await stream.finalChatCompletion();

    const text = 'Hello from fake model gpt-test';
    expect(final.choices[0]!.message.content).toBe(text);
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.usage).toMatchObject({ prompt_tokens: fakePromptTokens(messages), completion_tokens: fakeTokens(text) });
    expect(seen.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: fakePromptTokens(messages) + fakeTokens(text) } });
    expect(fake.requests[0]!.json.stream).toBe(true);
  });

  it('frames the stream as SSE data events ending with [DONE]', async () => {
    const response = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, stream: true, stream_options: { include_usage: true } }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = await response.text();
    const events = body.split('\n\n');
    expect(events.pop()).toBe('');
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    // With include_usage the real API sends `usage: null` on every chunk but the usage chunk.
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    expect(parsed.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(parsed.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: fakePromptTokens(messages) } });
  });

  it('answers a tool call, streamed and not, and mentions the tool result on the way back', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }];
    fake.enqueue({ kind: 'tool-call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const first = await client.chat.completions.create({ model: 'gpt-test', messages, tools });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });

    fake.enqueue({ kind: 'tool-call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const streamed = await client.chat.completions.stream({ model: 'gpt-test', messages, tools }).finalChatCompletion();
    expect(streamed.choices[0]!.finish_reason).toBe('tool_calls');
    expect(streamed.choices[0]!.message.tool_calls![0]).toMatchObject({ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });

    const second = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [...messages, first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' }],
    });
    expect(second.choices[0]!.message.content).toContain('sunny, 21C');
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['fake-model']);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
  });

  it('surfaces error statuses as OpenAI.APIError with the status, body and headers', async () => {
    fake.enqueue(
      { kind: 'error', status: 429, headers: { 'retry-after': '7' } },
      { kind: 'error', status: 500 },
      { kind: 'error', status: 400, body: { error: { message: 'bad thing', type: 'invalid_request_error', code: null, param: 'messages' } } },
    );
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await client.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e));

    expect(errors.every((e) => e instanceof OpenAI.APIError)).toBe(true);
    const [limited, failed, bad] = errors as InstanceType<typeof OpenAI.APIError>[];
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited!.status).toBe(429);
    expect(limited!.code).toBe('rate_limit_exceeded');
    expect(limited!.type).toBe('rate_limit_error');
    expect(limited!.headers?.get('retry-after')).toBe('7');
    expect(failed!.status).toBe(500);
    expect(failed!.error).toMatchObject({ type: 'server_error', param: null });
    expect(bad!.status).toBe(400);
    expect(bad!.message).toContain('bad thing');
    expect(bad!.param).toBe('messages');
    // The queue is drained: the default applies again.
    await expect(client.chat.completions.create({ model: 'm', messages })).resolves.toBeTruthy();
  });

  it('answers unknown paths with 404 in the OpenAI error shape', async () => {
    const error = await client.get('/nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe('not_found_error');
  });

  it('delays before the status line', async () => {
    fake.enqueue({ kind: 'delay', ms: 150, then: { kind: 'reply', text: 'late' } });
    const started = Date.now();
    const completion = await client.chat.completions.create({ model: 'm', messages });
    expect(completion.choices[0]!.message.content).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('hangs until the client times out, and records when the client closed', async () => {
    fake.enqueue({ kind: 'hang' });
    const started = Date.now();
    const error = await client.chat.completions.create({ model: 'm', messages }, { timeout: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const request = await fake.waitForRequest(0);
    await request.closed;
    expect(request.aborted).toBe(true);
    expect(request.finishedAt).toBeUndefined();
    expect(request.closedAt! - started).toBeGreaterThanOrEqual(150);
  });

  it('sets closedAt when the client aborts a slow stream', async () => {
    fake.enqueue({ kind: 'reply', text: 'a b c d e f g h', chunkDelayMs: 50 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true }, { signal: controller.signal });
    const received: string[] = [];
    const consumed = (async () => {
      for await (const chunk of stream) {
        received.push(chunk.choices[0]?.delta.content ?? '');
        if (received.length === 2) controller.abort();
      }
    })();
    // The SDK's stream iterator ends quietly when its signal aborts.
    await consumed;
    expect(received).toHaveLength(2);

    const request = fake.requests[0]!;
    await request.closed;
    expect(request.aborted).toBe(true);
    expect(request.closedAt).toBeGreaterThan(request.receivedAt);
    expect(request.sentUsage).toBeDefined();
    expect(request.finishedAt).toBeUndefined();
  });

  it('closes the socket without answering', async () => {
    fake.enqueue({ kind: 'close' });
    const error = await client.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    const request = fake.requests[0]!;
    await request.closed;
    expect(request.aborted).toBe(false);
  });

  it('streams a few deltas then drops the connection', async () => {
    fake.enqueue({ kind: 'stream-then-fail', afterChunks: 3 });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    const received: unknown[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk);
    })().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(received).toHaveLength(3);
    expect(fake.requests[0]!.sentUsage).toBeUndefined();
  });

  it('applies queued behaviours in order, then the default; reset restores the built-in default', async () => {
    fake.setDefault({ kind: 'reply', text: 'default' });
    fake.enqueue({ kind: 'reply', text: 'first' }, { kind: 'reply', text: 'second' });
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push((await client.chat.completions.create({ model: 'm', messages })).choices[0]!.message.content);
    expect(texts).toEqual(['first', 'second', 'default']);
    expect(fake.requests).toHaveLength(3);

    fake.reset();
    expect(fake.requests).toHaveLength(0);
    const again = await client.chat.completions.create({ model: 'm', messages });
    expect(again.choices[0]!.message.content).toBe('Hello from fake model m');
  });
});
