import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { openaiChatCodec as chat } from '../../../src/providers/dialects/openai-chat/codec.js';
import type { PivotRequest, PivotStreamEvent } from '../../../src/providers/pivot.js';
import { decodeAll, fixtureJson, fixtureText, gate, sseServer, wireEvents, type SseServer } from './fixtures.js';

const D = 'openai-chat';
const context = { id: 'chatcmpl-vmx', model: 'vmx-model', created: 1741570200 };

const textImagePivot: PivotRequest = {
  model: 'gpt-4o',
  system: ['You are terse.', 'Answer in English.'],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these images?' },
        { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' } },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
      ],
    },
    { role: 'assistant', content: [{ type: 'text', text: 'A cat and a dot.' }] },
    { role: 'user', content: [{ type: 'text', text: 'Thanks.' }] },
  ],
  tools: [],
  maxTokens: 256,
  temperature: 0.2,
  topP: 0.9,
  stop: ['END'],
  user: 'user-42',
  stream: true,
};

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const toolsPivot: PivotRequest = {
  model: 'gpt-4o',
  system: [],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Tokyo?' }] },
    {
      role: 'assistant',
      content: [
        { type: 'tool-call', id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'tool-call', id: 'call_tokyo', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
      ],
    },
    { role: 'tool', toolCallId: 'call_paris', content: [{ type: 'text', text: '18°C, cloudy' }] },
    { role: 'tool', toolCallId: 'call_tokyo', content: [{ type: 'text', text: '24°C, sunny' }] },
    { role: 'user', content: [{ type: 'text', text: 'Which is warmer?' }] },
  ],
  tools: [weatherTool],
  toolChoice: 'auto',
  maxTokens: 512,
  stream: false,
};

describe('openai-chat requests', () => {
  it('decodes system/developer, text and image parts (URL and data URL), sampling fields', () => {
    const { value, dropped } = chat.decodeRequest(fixtureJson(D, 'request-text-image.json'));
    expect(value).toEqual(textImagePivot);
    expect(dropped).toEqual([]);
  });

  it('decodes tool calls and one tool message per result', () => {
    const { value, dropped } = chat.decodeRequest(fixtureJson(D, 'request-tools.json'));
    expect(value).toEqual(toolsPivot);
    expect(dropped).toEqual([]);
  });

  it('names what the pivot cannot hold', () => {
    const { dropped } = chat.decodeRequest(fixtureJson(D, 'request-unsupported.json'));
    expect(dropped.sort()).toEqual(
      [
        'openai-chat image detail',
        'openai-chat message name',
        'openai-chat response_format',
        'openai-chat seed',
        'openai-chat tool strict',
      ].sort(),
    );
  });

  it('decodes the legacy functions API into tools with paired ids', () => {
    const { value } = chat.decodeRequest({
      model: 'm',
      functions: [{ name: 'f', parameters: { type: 'object' } }],
      function_call: { name: 'f' },
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } },
        { role: 'function', name: 'f', content: 'done' },
      ],
    });
    expect(value.tools).toEqual([{ name: 'f', parameters: { type: 'object' } }]);
    expect(value.toolChoice).toEqual({ name: 'f' });
    const call = value.messages[1]?.content[0];
    expect(call).toMatchObject({ type: 'tool-call', name: 'f', arguments: '{}' });
    expect(value.messages[2]).toEqual({
      role: 'tool',
      toolCallId: (call as { id: string }).id,
      content: [{ type: 'text', text: 'done' }],
    });
  });

  it('encodes the documented body, asking for stream usage', () => {
    const { value, dropped } = chat.encodeRequest(textImagePivot);
    const expected = fixtureJson(D, 'request-text-image.json') as any;
    expected.messages[1] = { role: 'system', content: 'Answer in English.' }; // developer → system
    expected.messages[2].content[2].image_url.url = 'data:image/png;base64,iVBORw0KGgo=';
    expect(value).toEqual(expected);
    expect(dropped).toEqual([]);
    expect(chat.encodeRequest(toolsPivot).value).toEqual({
      ...fixtureJson(D, 'request-tools.json'),
      max_tokens: undefined,
      max_completion_tokens: 512,
    });
  });

  it('round-trips: decode(encode(pivot)) equals the pivot', () => {
    for (const pivot of [textImagePivot, toolsPivot])
      expect(chat.decodeRequest(chat.encodeRequest(pivot).value).value).toEqual(pivot);
  });

  it('reports reasoning and error flags Chat cannot carry', () => {
    const { value, dropped } = chat.encodeRequest({
      ...toolsPivot,
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'hmm', signature: 'sig' },
            { type: 'text', text: 'a' },
          ],
        },
        { role: 'tool', toolCallId: 'x', isError: true, content: [{ type: 'text', text: 'bad' }] },
      ],
    });
    expect((value.messages as unknown[])[0]).toEqual({ role: 'assistant', content: 'a' });
    expect(dropped).toEqual([
      'reasoning (thinking) content',
      'anthropic thinking signatures',
      'tool result error flag',
    ]);
  });

  it('rejects bodies whose messages cannot be read', () => {
    expect(() => chat.decodeRequest({ model: 'm' })).toThrow(/messages must be an array/);
    expect(() => chat.decodeRequest({ model: 'm', messages: [{ role: 'robot', content: 'x' }] })).toThrow(
      /not a chat role/,
    );
  });
});

describe('openai-chat responses', () => {
  it('decodes text, usage with cached and reasoning tokens', () => {
    expect(chat.decodeResponse(fixtureJson(D, 'response-text.json'))).toEqual({
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      model: 'gpt-4.1-2025-04-14',
      content: [{ type: 'text', text: 'Hello! How can I help?' }],
      stopReason: 'stop',
      usage: { inputTokens: 1200, outputTokens: 40, cachedInputTokens: 1024, reasoningTokens: 12 },
    });
  });

  it('decodes tool calls and refusals', () => {
    const tools = chat.decodeResponse(fixtureJson(D, 'response-tools.json'));
    expect(tools.stopReason).toBe('tool-calls');
    expect(tools.content).toEqual([
      { type: 'tool-call', id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'tool-call', id: 'call_tokyo', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
    ]);
    expect(tools.usage).toEqual({ inputTokens: 82, outputTokens: 51 });
    const refusal = chat.decodeResponse(fixtureJson(D, 'response-refusal.json'));
    expect(refusal).toMatchObject({
      stopReason: 'refusal',
      content: [{ type: 'text', text: "I can't help with that." }],
    });
  });

  it('encodes chat.completion objects and round-trips them', () => {
    for (const name of ['response-tools.json', 'response-refusal.json']) {
      const body = fixtureJson(D, name) as any;
      const encoded = chat.encodeResponse(chat.decodeResponse(body), { created: body.created });
      expect(encoded).toEqual(body);
    }
    const text = chat.decodeResponse(fixtureJson(D, 'response-text.json'));
    expect(chat.decodeResponse(chat.encodeResponse(text))).toEqual(text);
  });

  it('throws on a body that is not a chat completion', () => {
    expect(() => chat.decodeResponse({ error: 'x' })).toThrow(/invalid openai-chat response/);
  });
});

describe('openai-chat stream decoding', () => {
  it('turns content chunks into one text block and holds finish for the usage chunk', () => {
    const events = wireEvents(fixtureText(D, 'stream-text.sse'));
    const decoder = chat.streamDecoder();
    expect(decoder.push(events[0]!)).toEqual([
      { type: 'start', id: 'chatcmpl-stream1', model: 'gpt-4o-mini-2024-07-18' },
    ]);
    expect(decoder.push(events[1]!)).toEqual([{ type: 'text-delta', index: 0, text: 'Hel' }]);
    const rest = decodeAll(decoder, events.slice(2));
    expect(rest).toEqual([
      { type: 'text-delta', index: 0, text: 'lo' },
      { type: 'text-delta', index: 0, text: ' wörld' },
      { type: 'text-delta', index: 0, text: '!' },
      { type: 'block-end', index: 0 },
      {
        type: 'finish',
        stopReason: 'stop',
        usage: { inputTokens: 19, outputTokens: 4, cachedInputTokens: 0, reasoningTokens: 0 },
      },
    ]);
  });

  it('turns tool call deltas (by index) into tool-call blocks', () => {
    expect(decodeAll(chat.streamDecoder(), wireEvents(fixtureText(D, 'stream-tools.sse')))).toEqual([
      { type: 'start', id: 'chatcmpl-stream2', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'tool-call-start', index: 0, id: 'call_paris', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"ci' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'ty":"Par' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'is"}' },
      { type: 'block-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_tokyo', name: 'get_weather' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '"Tokyo"}' },
      { type: 'block-end', index: 1 },
      { type: 'finish', stopReason: 'tool-calls', usage: { inputTokens: 82, outputTokens: 51, cachedInputTokens: 64 } },
    ]);
  });

  it('reports mid-stream errors and streams cut before finish_reason', () => {
    const decoder = chat.streamDecoder();
    expect(decoder.push({ data: { error: { message: 'boom', type: 'server_error' } } })).toEqual([
      { type: 'error', message: 'boom' },
    ]);
    expect(decoder.end()).toEqual([]);
    const cut = chat.streamDecoder();
    cut.push(wireEvents(fixtureText(D, 'stream-text.sse'))[0]!);
    expect(cut.end()).toEqual([{ type: 'error', message: 'openai-chat stream ended before a finish_reason' }]);
  });
});

const pivotStream: PivotStreamEvent[] = [
  { type: 'start', id: 'msg_1', model: 'claude' },
  { type: 'reasoning-delta', index: 0, text: 'Thinking' },
  { type: 'reasoning-delta', index: 0, text: '', signature: 'sig' },
  { type: 'block-end', index: 0 },
  { type: 'text-delta', index: 1, text: 'Let me check.' },
  { type: 'block-end', index: 1 },
  { type: 'tool-call-start', index: 2, id: 'toolu_1', name: 'get_weather' },
  { type: 'tool-call-delta', index: 2, argumentsDelta: '{"city":' },
  { type: 'tool-call-delta', index: 2, argumentsDelta: '"Paris"}' },
  { type: 'block-end', index: 2 },
  { type: 'finish', stopReason: 'tool-calls', usage: { inputTokens: 120, outputTokens: 30, cachedInputTokens: 100 } },
];

describe('openai-chat stream encoding', () => {
  it('writes each event as it comes: role chunk, deltas, finish, usage (when asked), [DONE]', () => {
    const encoder = chat.streamEncoder({ ...context, includeUsage: true });
    const outputs = pivotStream.map((e) => encoder.push(e));
    const chunks = outputs.map((text) => wireEvents(text).map((e) => e.data as any));
    expect(chunks[0]).toEqual([
      {
        ...context,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      },
    ]);
    expect(chunks[1]?.[0].choices[0].delta).toEqual({ reasoning_content: 'Thinking' });
    expect(outputs[2]).toBe(''); // a signature has no place in Chat
    expect(chunks[4]?.[0].choices[0].delta).toEqual({ content: 'Let me check.' });
    expect(chunks[6]?.[0].choices[0].delta).toEqual({
      tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '' } }],
    });
    expect(chunks[7]?.[0].choices[0].delta).toEqual({
      tool_calls: [{ index: 0, function: { arguments: '{"city":' } }],
    });
    const tail = wireEvents(outputs[10]!);
    expect((tail[0]?.data as any).choices).toEqual([
      { index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' },
    ]);
    expect(tail[1]?.data).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 30,
        total_tokens: 150,
        prompt_tokens_details: { cached_tokens: 100 },
      },
    });
    expect(tail[2]).toEqual({ event: 'done', data: null });
    expect(encoder.end()).toBe('');
  });

  it('leaves the usage chunk out unless the client asked', () => {
    const encoder = chat.streamEncoder(context);
    const out = pivotStream.map((e) => encoder.push(e)).join('');
    expect(out).not.toContain('"usage"');
    expect(out.endsWith('"finish_reason":"tool_calls"}]}\n\ndata: [DONE]\n\n')).toBe(true);
  });

  it('ends with an error chunk on error, or when the stream stops early', () => {
    const encoder = chat.streamEncoder(context);
    encoder.push(pivotStream[0]!);
    expect(encoder.push({ type: 'error', message: 'boom' })).toBe(
      'data: {"error":{"message":"boom","type":"api_error","code":"upstream_error","param":null}}\n\n',
    );
    expect(encoder.push(pivotStream[4]!)).toBe('');
    const cut = chat.streamEncoder(context);
    cut.push(pivotStream[0]!);
    expect(cut.end()).toContain('"code":"upstream_error"');
  });
});

describe('openai-chat with the official openai SDK', () => {
  let server: SseServer | undefined;
  afterEach(async () => server?.close());

  it('ChatCompletionStream accumulates the encoder output, receiving deltas before the stream ends', async () => {
    const firstDeltaSeen = gate();
    server = await sseServer(async (res) => {
      const encoder = chat.streamEncoder({ ...context, includeUsage: true });
      for (const event of pivotStream) {
        res.write(encoder.push(event));
        // Hold the rest of the stream until the client has seen the first text delta.
        if (event.type === 'text-delta') await firstDeltaSeen.wait();
      }
      res.write(encoder.end());
    });
    const client = new OpenAI({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    const stream = client.chat.completions.stream({
      model: 'x',
      messages: [{ role: 'user', content: 'hi' }],
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    stream.on('content', (delta) => {
      deltas.push(delta);
      firstDeltaSeen.open();
    });
    const final = await stream.finalChatCompletion();
    expect(firstDeltaSeen.timedOut).toBe(false);
    expect(deltas).toEqual(['Let me check.']);
    expect(final).toMatchObject({ id: 'chatcmpl-vmx', model: 'vmx-model', created: context.created });
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: 'Let me check.',
      tool_calls: [
        { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
    });
    expect(final.usage).toMatchObject({
      prompt_tokens: 120,
      completion_tokens: 30,
      prompt_tokens_details: { cached_tokens: 100 },
    });
    expect(server.bodies[0]).toMatchObject({ stream: true });
  });

  it('the SDK raises a mid-stream error chunk as an APIError', async () => {
    server = await sseServer(async (res) => {
      const encoder = chat.streamEncoder(context);
      res.write(encoder.push(pivotStream[0]!) + encoder.push({ type: 'error', message: 'upstream went away' }));
    });
    const client = new OpenAI({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    const stream = client.chat.completions.stream({ model: 'x', messages: [{ role: 'user', content: 'hi' }] });
    await expect(stream.finalChatCompletion()).rejects.toThrow(/upstream went away/);
  });
});
