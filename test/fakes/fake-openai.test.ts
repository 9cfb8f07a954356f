import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  fakePromptTokens,
  fakeResponsesInputTokens,
  fakeTokens,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../helpers/fake-openai.js';

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
    expect(data.usage).toMatchObject({
      prompt_tokens: 11,
      completion_tokens: 7,
      total_tokens: 18,
      prompt_tokens_details: { cached_tokens: 5 },
    });
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
    const stream = client.chat.completions.stream({
      model: 'gpt-test',
      messages,
      stream_options: { include_usage: true },
    });
    const seen: unknown[] = [];
    stream.on('chunk', (chunk) => seen.push(chunk));
    const final = await stream.finalChatCompletion();

    const text = 'Hello from fake model gpt-test';
    expect(final.choices[0]!.message.content).toBe(text);
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.usage).toMatchObject({
      prompt_tokens: fakePromptTokens(messages),
      completion_tokens: fakeTokens(text),
    });
    expect(seen.at(-1)).toMatchObject({
      choices: [],
      usage: { total_tokens: fakePromptTokens(messages) + fakeTokens(text) },
    });
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
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } },
    ];
    fake.enqueue({ kind: 'tool-call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const first = await client.chat.completions.create({ model: 'gpt-test', messages, tools });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });

    fake.enqueue({ kind: 'tool-call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const streamed = await client.chat.completions.stream({ model: 'gpt-test', messages, tools }).finalChatCompletion();
    expect(streamed.choices[0]!.finish_reason).toBe('tool_calls');
    expect(streamed.choices[0]!.message.tool_calls![0]).toMatchObject({
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });

    const second = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [
        ...messages,
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' },
      ],
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
      {
        kind: 'error',
        status: 400,
        body: { error: { message: 'bad thing', type: 'invalid_request_error', code: null, param: 'messages' } },
      },
    );
    const errors = [];
    for (let i = 0; i < 3; i++)
      errors.push(await client.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e));

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
    const error = await client.chat.completions
      .create({ model: 'm', messages }, { timeout: 200 })
      .catch((e: unknown) => e);
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
    const stream = await client.chat.completions.create(
      { model: 'm', messages, stream: true },
      { signal: controller.signal },
    );
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
    for (let i = 0; i < 3; i++)
      texts.push((await client.chat.completions.create({ model: 'm', messages })).choices[0]!.message.content);
    expect(texts).toEqual(['first', 'second', 'default']);
    expect(fake.requests).toHaveLength(3);

    fake.reset();
    expect(fake.requests).toHaveLength(0);
    const again = await client.chat.completions.create({ model: 'm', messages });
    expect(again.choices[0]!.message.content).toBe('Hello from fake model m');
  });
});

describe('fake OpenAI upstream: Responses API', () => {
  const instructions = 'Be brief.';
  const input = 'Say hello to the benchmark.';
  const tools = [
    {
      type: 'function' as const,
      name: 'get_weather',
      description: 'The weather in a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      strict: false,
    },
  ];

  it('answers responses.create with a Response object, output_text and usage', async () => {
    const response = await client.responses.create({ model: 'gpt-test', instructions, input });

    const text = 'Hello from fake model gpt-test';
    const prompt = fakeTokens(instructions + input);
    expect(prompt).toBe(fakeResponsesInputTokens({ instructions, input }));
    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'gpt-test',
      instructions,
      error: null,
      incomplete_details: null,
      parallel_tool_calls: true,
      tools: [],
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response.output_text).toBe(text);
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    });
    expect(response.output[0]!.id).toMatch(/^msg_/);
    expect(response.usage).toMatchObject({
      input_tokens: prompt,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: fakeTokens(text),
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: prompt + fakeTokens(text),
    });

    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/responses', aborted: false });
    expect(request!.json).toEqual({ model: 'gpt-test', instructions, input });
    expect(request!.sentUsage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: fakeTokens(text),
      total_tokens: prompt + fakeTokens(text),
      cached_tokens: 0,
    });
  });

  it('counts message items and uses the text, usage, model and headers a reply behaviour gives', async () => {
    const items = [
      { role: 'developer' as const, content: 'Be brief.' },
      {
        type: 'message' as const,
        role: 'user' as const,
        content: [{ type: 'input_text' as const, text: 'Say hello.' }],
      },
    ];
    const plain = await client.responses.create({ model: 'm', input: items });
    expect(plain.usage!.input_tokens).toBe(fakeTokens('Be brief.Say hello.'));

    fake.enqueue({
      kind: 'reply',
      text: 'custom',
      model: 'gpt-test-2025',
      usage: { prompt_tokens: 11, completion_tokens: 7, cached_tokens: 5 },
      headers: { 'x-ratelimit-limit-requests': '500' },
    });
    const { data, response } = await client.responses.create({ model: 'gpt-test', input: items }).withResponse();
    expect(data.output_text).toBe('custom');
    expect(data.model).toBe('gpt-test-2025');
    expect(data.usage).toMatchObject({
      input_tokens: 11,
      output_tokens: 7,
      total_tokens: 18,
      input_tokens_details: { cached_tokens: 5 },
    });
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('500');
    expect(fake.requests[1]!.sentUsage).toEqual({
      prompt_tokens: 11,
      completion_tokens: 7,
      total_tokens: 18,
      cached_tokens: 5,
    });
  });

  it('answers a function call with responses.create, echoing the tools', async () => {
    fake.enqueue({ kind: 'tool-call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const response = await client.responses.create({ model: 'gpt-test', input, tools });

    expect(response.output_text).toBe('');
    expect(response.output).toHaveLength(1);
    const call = response.output[0]!;
    expect(call).toMatchObject({
      type: 'function_call',
      status: 'completed',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    });
    if (call.type !== 'function_call') throw new Error('expected a function call');
    expect(call.id).toMatch(/^fc_/);
    expect(call.call_id).toMatch(/^call_/);
    expect(response.tools).toEqual([{ ...tools[0] }]);
    expect(response.usage).toMatchObject({ output_tokens: fakeTokens('get_weather{"city":"Paris"}') });
  });

  it('streams text in the real event order (responses.stream().finalResponse())', async () => {
    // Without `chunks`, one delta per word.
    fake.enqueue({ kind: 'reply', text: 'one two three' });
    const stream = client.responses.stream({ model: 'gpt-test', instructions, input });
    const events: Array<{ type: string; sequence_number: number }> = [];
    const deltas: string[] = [];
    stream.on('event', (event) => events.push(event));
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();

    expect(final.output_text).toBe('one two three');
    expect(final.status).toBe('completed');
    expect(final.output[0]).toMatchObject({
      type: 'message',
      status: 'completed',
      content: [{ type: 'output_text', text: 'one two three' }],
    });
    expect(final.usage).toMatchObject({
      input_tokens: fakeTokens(instructions + input),
      output_tokens: fakeTokens('one two three'),
    });
    expect(deltas).toEqual(['one ', 'two ', 'three']);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0]).toMatchObject({ response: { status: 'in_progress', output: [], usage: null } });
    expect(fake.requests[0]!.json.stream).toBe(true);
    expect(fake.requests[0]!.sentUsage).toMatchObject({ prompt_tokens: fakeTokens(instructions + input) });
  });

  it('streams a function call (responses.stream().finalResponse())', async () => {
    fake.enqueue({ kind: 'tool-call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const stream = client.responses.stream({ model: 'gpt-test', input, tools });
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    const final = await stream.finalResponse();

    expect(final.output).toHaveLength(1);
    expect(final.output[0]).toMatchObject({
      type: 'function_call',
      status: 'completed',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    });
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      ...Array(4).fill('response.function_call_arguments.delta'),
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });

  it('frames the stream as named SSE events whose data carries the same type', async () => {
    const response = await fetch(`${fake.url}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'hi', stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await response.text()).split('\n\n');
    expect(events.pop()).toBe('');
    for (const event of events) {
      const [name, data, ...rest] = event.split('\n');
      expect(rest).toEqual([]);
      expect(name).toMatch(/^event: /);
      expect(data).toMatch(/^data: /);
      expect(JSON.parse(data!.slice(6)).type).toBe(name!.slice(7));
    }
    const added = JSON.parse(events[2]!.split('\n')[1]!.slice(6));
    expect(added).toMatchObject({ output_index: 0, item: { type: 'message', status: 'in_progress', content: [] } });
  });

  it('round-trips a function call: the function_call_output comes back and the reply mentions it', async () => {
    fake.enqueue({ kind: 'tool-call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const first = await client.responses.create({ model: 'gpt-test', input, tools });
    const call = first.output[0]!;
    if (call.type !== 'function_call') throw new Error('expected a function call');

    const second = await client.responses.create({
      model: 'gpt-test',
      tools,
      input: [
        { role: 'user', content: input },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21C' },
      ],
    });
    expect(second.output_text).toBe('Tool result received: sunny, 21C');
    expect(second.usage!.input_tokens).toBe(fakeTokens(input + 'sunny, 21C'));
    expect(fake.requests[1]!.json.input[2]).toEqual({
      type: 'function_call_output',
      call_id: call.call_id,
      output: 'sunny, 21C',
    });

    const streamed = await client.responses
      .stream({ model: 'gpt-test', input: [{ type: 'function_call_output', call_id: call.call_id, output: 'rainy' }] })
      .finalResponse();
    expect(streamed.output_text).toContain('rainy');
  });

  it('surfaces error statuses as OpenAI.APIError, streamed or not', async () => {
    fake.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '3' } }, { kind: 'error', status: 500 });
    const limited = await client.responses.create({ model: 'm', input }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.APIError>).code).toBe('rate_limit_exceeded');
    expect((limited as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('3');

    const failed = await client.responses
      .stream({ model: 'm', input })
      .finalResponse()
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(fake.requests.map((r) => r.sentUsage)).toEqual([undefined, undefined]);

    const missing = await client.responses.create({ model: 'm' } as never).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.BadRequestError);
    expect((missing as InstanceType<typeof OpenAI.APIError>).param).toBe('input');
  });

  it('shares the queue with chat: delay, close and stream-then-fail work on /v1/responses', async () => {
    fake.enqueue(
      { kind: 'delay', ms: 150, then: { kind: 'reply', text: 'late' } },
      { kind: 'close' },
      { kind: 'stream-then-fail', afterChunks: 5 },
    );
    const started = Date.now();
    expect((await client.responses.create({ model: 'm', input })).output_text).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    const closed = await client.responses.create({ model: 'm', input }).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(OpenAI.APIConnectionError);

    const stream = await client.responses.create({ model: 'm', input, stream: true });
    const received: string[] = [];
    const error = await (async () => {
      for await (const event of stream) received.push(event.type);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(received).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
    ]);
    expect(fake.requests[2]!.sentUsage).toBeUndefined();
  });

  it('paces a slow stream and records the client abort', async () => {
    fake.enqueue({ kind: 'reply', text: 'a b c d e f g h', chunkDelayMs: 40 });
    const controller = new AbortController();
    const stream = await client.responses.create({ model: 'm', input, stream: true }, { signal: controller.signal });
    const deltas: string[] = [];
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') deltas.push(event.delta);
      if (deltas.length === 2) controller.abort();
    }
    expect(deltas).toEqual(['a ', 'b ']);
    const request = fake.requests[0]!;
    await request.closed;
    expect(request.aborted).toBe(true);
    expect(request.finishedAt).toBeUndefined();
  });
});
