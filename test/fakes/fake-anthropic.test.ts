import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeInputTokens, fakeTokens, startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';

// The fake is only useful if the official SDK parses it like the real API: the tests go through the SDK,
// except where the raw wire (event order, headers the SDK never sends) is the point.
let fake: FakeAnthropic;
let client: Anthropic;
const model = 'claude-test';
const system = 'Be brief.';
const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Say hello to the benchmark.' }];
const prompt = fakeTokens('Be brief.Say hello to the benchmark.');
const tools: Anthropic.Tool[] = [
  { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
];
type APIError = InstanceType<typeof Anthropic.APIError>;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  client = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-fake', maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

/** Posts to the fake without the SDK; returns the status, headers and SSE events (or JSON). */
async function post(path: string, body: unknown, headers: Record<string, string> = { 'x-api-key': 'k' }) {
  const response = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const events = text.startsWith('event: ')
    ? text
        .split('\n\n')
        .filter(Boolean)
        .map((e) => ({ event: e.split('\n')[0]!.slice(7), data: JSON.parse(e.split('\n')[1]!.slice(6)) }))
    : [];
  return { response, events, json: events.length ? undefined : JSON.parse(text) };
}

describe('fake Anthropic upstream', () => {
  it('answers messages.create with a message object, and records the request exactly', async () => {
    const message = await client.messages.create({ model, system, messages, max_tokens: 64 });

    const text = 'Hello from fake model claude-test';
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
    });
    expect(message.id).toMatch(/^msg_/);
    expect(prompt).toBe(fakeInputTokens({ system, messages }));
    expect(message.usage).toMatchObject({
      input_tokens: prompt,
      output_tokens: fakeTokens(text),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });

    const request = fake.requests[0]!;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/v1/messages',
      route: 'messages',
      auth: 'bearer',
      apiKey: 'sk-ant-fake',
      stream: false,
      aborted: false,
    });
    expect(request.headers.authorization).toBe('Bearer sk-ant-fake');
    expect(request.anthropicVersion).toBe(request.headers['anthropic-version']);
    expect(request.anthropicVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.parse(request.rawBody)).toEqual({ model, system, messages, max_tokens: 64 });
    expect(request.json.max_tokens).toBe(64);
    expect(request.sentUsage).toEqual({
      input_tokens: prompt,
      output_tokens: fakeTokens(text),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    await request.closed;
    expect(request.closedAt).toBeGreaterThanOrEqual(request.receivedAt);
  });

  it('uses the text, usage (with cache reads and writes), model and headers a reply gives', async () => {
    fake.enqueue({
      kind: 'reply',
      text: 'custom',
      model: 'claude-test-20250101',
      usage: { input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 100, cache_creation_input_tokens: 50 },
      headers: { 'anthropic-ratelimit-requests-limit': '50', 'anthropic-ratelimit-tokens-remaining': '9000' },
    });
    const { data, response } = await client.messages.create({ model, messages, max_tokens: 64 }).withResponse();

    expect(data.content).toEqual([{ type: 'text', text: 'custom' }]);
    expect(data.model).toBe('claude-test-20250101');
    expect(data.usage).toMatchObject({
      input_tokens: 11,
      output_tokens: 7,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 50,
    });
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('50');
    expect(response.headers.get('anthropic-ratelimit-tokens-remaining')).toBe('9000');
    expect(fake.requests[0]!.sentUsage).toEqual({
      input_tokens: 11,
      output_tokens: 7,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 50,
    });
  });

  it('accepts x-api-key too, and answers 401 in Anthropic shape without credentials', async () => {
    const keyed = new Anthropic({
      baseURL: fake.url,
      apiKey: null,
      authToken: null,
      defaultHeaders: { 'x-api-key': 'sk-ant-header' },
      maxRetries: 0,
    });
    await keyed.messages.create({ model, messages, max_tokens: 8 });
    expect(fake.requests[0]).toMatchObject({ auth: 'x-api-key', apiKey: 'sk-ant-header' });
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();

    const { response, json } = await post('/v1/messages', { model, messages, max_tokens: 8 }, {});
    expect(response.status).toBe(401);
    expect(json).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.any(String) } });
    expect(fake.requests[1]!.auth).toBeUndefined();
    expect(fake.requests[1]!.behaviour).toBeUndefined();
  });

  it('sends the stream events in the real order', async () => {
    fake.enqueue({ kind: 'reply', text: 'one two three', chunks: 3 });
    const { response, events } = await post('/v1/messages', { model, messages, max_tokens: 64, stream: true });

    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array(3).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.every((e) => e.data.type === e.event)).toBe(true);
    expect(events[0]!.data.message).toMatchObject({
      model,
      content: [],
      stop_reason: null,
      usage: { input_tokens: fakeTokens('Say hello to the benchmark.') },
    });
    expect(
      events
        .filter((e) => e.event === 'content_block_delta')
        .map((e) => e.data.delta.text)
        .join(''),
    ).toBe('one two three');
    expect(events.at(-2)!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: fakeTokens('one two three') },
    });
    expect(fake.requests[0]!.stream).toBe(true);
  });

  it('streams text through messages.stream().finalMessage()', async () => {
    const stream = client.messages.stream({ model, system, messages, max_tokens: 64 });
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const final = await stream.finalMessage();

    const text = 'Hello from fake model claude-test';
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: 'text', text });
    expect(deltas.join('')).toBe(text);
    expect(deltas.length).toBeGreaterThan(1);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: prompt, output_tokens: fakeTokens(text) });
    expect(fake.requests[0]!.sentUsage).toMatchObject({ input_tokens: prompt, output_tokens: fakeTokens(text) });
  });

  it('answers tool use, streamed (input_json_delta) and not, and mentions the tool result on the way back', async () => {
    fake.enqueue({ kind: 'tool-use', name: 'get_weather', input: { city: 'Paris' } });
    const first = await client.messages.create({ model, messages, tools, max_tokens: 64 });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([
      { type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'get_weather', input: { city: 'Paris' } },
    ]);

    fake.enqueue({ kind: 'tool-use', name: 'get_weather', input: { city: 'Paris', days: 3 }, text: 'Let me check.' });
    const stream = client.messages.stream({ model, messages, tools, max_tokens: 64 });
    const partials: string[] = [];
    stream.on('inputJson', (partial) => partials.push(partial));
    const streamed = await stream.finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content[0]).toMatchObject({ type: 'text', text: 'Let me check.' });
    expect(streamed.content[1]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { city: 'Paris', days: 3 },
    });
    expect(partials.join('')).toBe('{"city":"Paris","days":3}');
    expect(partials.length).toBeGreaterThan(1);

    const toolUse = first.content[0] as Anthropic.ToolUseBlock;
    const second = await client.messages.create({
      model,
      tools,
      max_tokens: 64,
      messages: [
        ...messages,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'sunny, 21C' }] },
      ],
    });
    expect(second.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('sunny, 21C') });
  });

  it('passes a thinking block with its signature before the text, streamed and not', async () => {
    const thinking = { type: 'enabled' as const, budget_tokens: 1024 };
    fake.enqueue({ kind: 'thinking', thinking: 'Hmm, a greeting.', signature: 'sig-123', text: 'Hi!' });
    const message = await client.messages.create({ model, messages, max_tokens: 2048, thinking });
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Hmm, a greeting.', signature: 'sig-123' },
      { type: 'text', text: 'Hi!' },
    ]);

    fake.enqueue({ kind: 'thinking', thinking: 'Hmm, a greeting.', signature: 'sig-123', text: 'Hi!' });
    const streamed = await client.messages.stream({ model, messages, max_tokens: 2048, thinking }).finalMessage();
    expect(streamed.content[0]).toEqual({ type: 'thinking', thinking: 'Hmm, a greeting.', signature: 'sig-123' });
    expect(streamed.content[1]).toMatchObject({ type: 'text', text: 'Hi!' });
    expect(fake.requests[1]!.json.thinking).toEqual(thinking);
  });

  it('counts tokens', async () => {
    const counted = await client.messages.countTokens({ model, system, messages });
    expect(counted).toEqual({ input_tokens: prompt });
    expect(fake.requests[0]).toMatchObject({ path: '/v1/messages/count_tokens', route: 'count_tokens' });
  });

  it('surfaces error statuses as Anthropic.APIError with the status, type and headers', async () => {
    fake.enqueue(
      { kind: 'error', status: 429, headers: { 'retry-after': '7' } },
      { kind: 'error', status: 529 },
      { kind: 'error', status: 400, message: 'bad thing' },
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 3; i++)
      errors.push(await client.messages.create({ model, messages, max_tokens: 8 }).catch((e: unknown) => e));

    expect(errors.every((e) => e instanceof Anthropic.APIError)).toBe(true);
    const [limited, overloaded, bad] = errors as APIError[];
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(limited!.status).toBe(429);
    expect(limited!.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(limited!.headers?.get('retry-after')).toBe('7');
    expect(overloaded!.status).toBe(529);
    expect(overloaded!.error).toMatchObject({ error: { type: 'overloaded_error' } });
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect(bad!.message).toContain('bad thing');
    await expect(client.messages.create({ model, messages, max_tokens: 8 })).resolves.toBeTruthy();
  });

  it('rejects a body the real API would (no max_tokens) and unknown paths, in Anthropic shape', async () => {
    const invalid = await client.messages
      .create({ model, messages } as Anthropic.MessageCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(Anthropic.BadRequestError);
    expect((invalid as APIError).message).toContain('max_tokens');
    const missing = await client.get('/v1/nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect((missing as APIError).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('delays, hangs until the client times out, and closes the socket', async () => {
    fake.enqueue(
      { kind: 'delay', ms: 150, then: { kind: 'reply', text: 'late' } },
      { kind: 'hang' },
      { kind: 'close' },
    );
    const started = Date.now();
    const late = await client.messages.create({ model, messages, max_tokens: 8 });
    expect(late.content[0]).toMatchObject({ text: 'late' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    const timedOut = await client.messages
      .create({ model, messages, max_tokens: 8 }, { timeout: 200 })
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    const hung = await fake.waitForRequest(1);
    await hung.closed;
    expect(hung.aborted).toBe(true);
    expect(hung.finishedAt).toBeUndefined();

    const closed = await client.messages.create({ model, messages, max_tokens: 8 }).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(Anthropic.APIConnectionError);
    await fake.requests[2]!.closed;
    expect(fake.requests[2]!.aborted).toBe(false);
  });

  it('drops the connection mid-stream (stream-then-fail), or sends an error event (stream-error)', async () => {
    fake.enqueue({ kind: 'stream-then-fail', afterEvents: 4 }, { kind: 'stream-error', afterEvents: 3 });
    const received: string[] = [];
    const stream = await client.messages.create({ model, messages, max_tokens: 8, stream: true });
    const dropped = await (async () => {
      for await (const event of stream) received.push(event.type);
    })().catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(Error);
    // The ping is not yielded by the SDK.
    expect(received).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(fake.requests[0]!.sentUsage).toBeUndefined();

    const failed = await client.messages
      .stream({ model, messages, max_tokens: 8 })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Anthropic.APIError);
    expect((failed as APIError).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });

  it('records closedAt when the client aborts a slow stream', async () => {
    fake.enqueue({ kind: 'reply', text: 'a b c d e f g h', chunkDelayMs: 50 });
    const stream = client.messages.stream({ model, messages, max_tokens: 8 });
    let deltas = 0;
    stream.on('text', () => ++deltas === 2 && stream.abort());
    await stream.done().catch(() => undefined);
    expect(deltas).toBe(2);

    const request = fake.requests[0]!;
    await request.closed;
    expect(request.aborted).toBe(true);
    expect(request.finishedAt).toBeUndefined();
    expect(request.sentUsage).toBeDefined();
  });

  it('applies queued behaviours in order, then the default; reset restores the built-in default', async () => {
    fake.setDefault({ kind: 'reply', text: 'default' });
    fake.enqueue({ kind: 'reply', text: 'first' }, { kind: 'reply', text: 'second' });
    const texts = [];
    for (let i = 0; i < 3; i++)
      texts.push((await client.messages.create({ model, messages, max_tokens: 8 })).content[0]);
    expect(texts.map((b) => (b as Anthropic.TextBlock).text)).toEqual(['first', 'second', 'default']);

    fake.reset();
    expect(fake.requests).toHaveLength(0);
    const again = await client.messages.create({ model: 'm', messages, max_tokens: 8 });
    expect(again.content[0]).toMatchObject({ text: 'Hello from fake model m' });
  });
});
