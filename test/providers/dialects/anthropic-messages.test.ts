import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { anthropicMessagesCodec as messages } from '../../../src/providers/dialects/anthropic-messages/codec.js';
import type { PivotRequest, PivotStreamEvent } from '../../../src/providers/pivot.js';
import { decodeAll, fixtureJson, fixtureText, gate, sseServer, wireEvents, type SseServer } from './fixtures.js';

const D = 'anthropic-messages';
const context = { id: 'msg_vmx', model: 'vmx-model', created: 1741570200 };
const signature = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds';
const paris = 'toolu_01A09q90qw90lq917835lq9';
const tokyo = 'toolu_01B19q90qw90lq917835lq8';

const textImagePivot: PivotRequest = {
  model: 'claude-sonnet-4-5',
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
  maxTokens: 1024,
  temperature: 0.2,
  topP: 0.9,
  stop: ['END'],
  user: 'user-42',
  stream: true,
};

const toolsPivot: PivotRequest = {
  model: 'claude-sonnet-4-5',
  system: [],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Tokyo?' }] },
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'Two cities, two calls.', signature },
        { type: 'text', text: 'Checking both.' },
        { type: 'tool-call', id: paris, name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'tool-call', id: tokyo, name: 'get_weather', arguments: '{"city":"Tokyo"}' },
      ],
    },
    { role: 'tool', toolCallId: paris, content: [{ type: 'text', text: '18°C, cloudy' }] },
    { role: 'tool', toolCallId: tokyo, content: [{ type: 'text', text: 'unavailable' }], isError: true },
    { role: 'user', content: [{ type: 'text', text: 'Which is warmer?' }] },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  toolChoice: 'required',
  maxTokens: 512,
  stream: false,
};

describe('anthropic-messages requests', () => {
  it('decodes system blocks, text and image blocks (url and base64), sampling fields, metadata', () => {
    const { value, dropped } = messages.decodeRequest(fixtureJson(D, 'request-text-image.json'));
    expect(value).toEqual(textImagePivot);
    expect(dropped).toEqual([]);
  });

  it('splits tool_result blocks into one tool message each, before the rest of the user turn', () => {
    const { value, dropped } = messages.decodeRequest(fixtureJson(D, 'request-tools.json'));
    expect(value).toEqual(toolsPivot);
    expect(dropped).toEqual([]);
  });

  it('names what the pivot cannot hold', () => {
    const { dropped } = messages.decodeRequest(fixtureJson(D, 'request-unsupported.json'));
    expect(dropped.sort()).toEqual(
      [
        'anthropic cache_control',
        'anthropic document blocks',
        'anthropic thinking',
        'anthropic top_k',
        'anthropic web_search_20250305 tool',
      ].sort(),
    );
  });

  it('encodes the documented bodies: all tool results of a turn in one user message, results first', () => {
    expect(messages.encodeRequest(textImagePivot)).toEqual({
      value: fixtureJson(D, 'request-text-image.json'),
      dropped: [],
    });
    const expected = fixtureJson(D, 'request-tools.json') as any;
    expected.messages[2].content[1].content = 'unavailable'; // a lone text result is sent as a string
    expect(messages.encodeRequest(toolsPivot)).toEqual({ value: expected, dropped: [] });
  });

  it('round-trips: decode(encode(pivot)) equals the pivot', () => {
    for (const pivot of [textImagePivot, toolsPivot]) {
      expect(messages.decodeRequest(messages.encodeRequest(pivot).value).value).toEqual(pivot);
    }
  });

  it('makes a Chat-shaped conversation valid for Anthropic and says what it changed', () => {
    const { value, dropped } = messages.encodeRequest({
      model: 'claude',
      system: [],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'one' }] },
        { role: 'user', content: [{ type: 'text', text: 'two' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'no signature' },
            { type: 'tool-call', id: 'functions.f:0', name: 'f', arguments: '{not json' },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'interjection' }] },
        { role: 'tool', toolCallId: 'functions.f:0', content: [] },
      ],
      tools: [{ name: 'f', parameters: {} }],
      toolChoice: { name: 'f' },
      temperature: 1.5,
      stream: true,
    });
    expect(value).toEqual({
      model: 'claude',
      max_tokens: 4096,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'one' },
            { type: 'text', text: 'two' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'functions_f_0', name: 'f', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'functions_f_0' },
            { type: 'text', text: 'interjection' },
          ],
        },
      ],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 'f' },
      temperature: 1,
      stream: true,
    });
    expect(dropped).toEqual([
      'reasoning without an anthropic signature',
      'tool-call arguments that are not a JSON object (sent as {})',
      'max_tokens (required by anthropic; defaulted to 4096)',
      'temperature above 1 (clamped to 1)',
    ]);
  });
});

describe('anthropic-messages responses', () => {
  it('decodes usage so that inputTokens includes cache reads and writes', () => {
    expect(messages.decodeResponse(fixtureJson(D, 'response-text.json'))).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'Hello! How can I help?' }],
      stopReason: 'stop',
      usage: { inputTokens: 1200, cachedInputTokens: 1024, cacheWriteTokens: 0, outputTokens: 40 },
    });
  });

  it('decodes thinking and tool_use, and encodes the same message back', () => {
    const body = fixtureJson(D, 'response-tools.json');
    const pivot = messages.decodeResponse(body);
    expect(pivot.content).toEqual(toolsPivot.messages[1]?.content);
    expect(pivot.stopReason).toBe('tool-calls');
    expect(pivot.usage).toEqual({ inputTokens: 102, cachedInputTokens: 0, cacheWriteTokens: 20, outputTokens: 51 });
    expect(messages.encodeResponse(pivot)).toEqual(body);
    const text = fixtureJson(D, 'response-text.json') as any;
    delete text.usage.service_tier;
    expect(messages.encodeResponse(messages.decodeResponse(text))).toEqual(text);
  });

  it('maps stop reasons both ways', () => {
    const decode = (stop_reason: string) => messages.decodeResponse({ content: [], stop_reason }).stopReason;
    expect(['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'refusal', 'pause_turn'].map(decode)).toEqual([
      'stop',
      'stop',
      'length',
      'tool-calls',
      'refusal',
      'other',
    ]);
    const encode = (stopReason: any) =>
      messages.encodeResponse({ id: '', model: '', content: [], stopReason, usage: {} }).stop_reason;
    expect(['stop', 'length', 'tool-calls', 'refusal', 'content-filter'].map(encode)).toEqual([
      'end_turn',
      'max_tokens',
      'tool_use',
      'refusal',
      'refusal',
    ]);
  });
});

describe('anthropic-messages stream decoding', () => {
  it('relays text deltas event by event and finishes on message_delta with the merged usage', () => {
    const events = wireEvents(fixtureText(D, 'stream-text.sse'));
    const decoder = messages.streamDecoder();
    const startUsage = { inputTokens: 125, cachedInputTokens: 100, cacheWriteTokens: 0, outputTokens: 1 };
    expect(decoder.push(events[0]!)).toEqual([
      {
        type: 'start',
        id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
        model: 'claude-sonnet-4-5-20250929',
        usage: startUsage,
      },
    ]);
    expect(decoder.push(events[1]!)).toEqual([]);
    expect(decoder.push(events[2]!)).toEqual([]); // ping
    expect(decoder.push(events[3]!)).toEqual([{ type: 'text-delta', index: 0, text: 'Hel' }]);
    expect(decodeAll(decoder, events.slice(4))).toEqual([
      { type: 'text-delta', index: 0, text: 'lo wörld' },
      { type: 'text-delta', index: 0, text: '!' },
      { type: 'block-end', index: 0 },
      { type: 'finish', stopReason: 'stop', usage: { ...startUsage, outputTokens: 15 } },
    ]);
  });

  it('relays thinking, signatures and tool input pieces', () => {
    expect(decodeAll(messages.streamDecoder(), wireEvents(fixtureText(D, 'stream-tools.sse')))).toEqual([
      {
        type: 'start',
        id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
        model: 'claude-sonnet-4-5-20250929',
        usage: { inputTokens: 472, outputTokens: 2 },
      },
      { type: 'reasoning-delta', index: 0, text: 'Two cities, ' },
      { type: 'reasoning-delta', index: 0, text: 'two calls.' },
      { type: 'reasoning-delta', index: 0, text: '', signature },
      { type: 'block-end', index: 0 },
      { type: 'text-delta', index: 1, text: 'Checking both.' },
      { type: 'block-end', index: 1 },
      { type: 'tool-call-start', index: 2, id: paris, name: 'get_weather' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: '{"city": "Pa' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: 'ris"}' },
      { type: 'block-end', index: 2 },
      { type: 'tool-call-start', index: 3, id: tokyo, name: 'get_weather' },
      { type: 'tool-call-delta', index: 3, argumentsDelta: '{"city": "Tokyo"}' },
      { type: 'block-end', index: 3 },
      { type: 'finish', stopReason: 'tool-calls', usage: { inputTokens: 472, outputTokens: 89 } },
    ]);
  });

  it('turns an error event into a pivot error, and a cut stream into one', () => {
    const events = decodeAll(messages.streamDecoder(), wireEvents(fixtureText(D, 'stream-error.sse')));
    expect(events.at(-1)).toEqual({ type: 'error', message: 'Overloaded' });
    const cut = messages.streamDecoder();
    cut.push(wireEvents(fixtureText(D, 'stream-text.sse'))[0]!);
    expect(cut.end()).toEqual([{ type: 'error', message: 'anthropic-messages stream ended before message_delta' }]);
  });
});

const pivotStream: PivotStreamEvent[] = [
  { type: 'start', id: 'chatcmpl-1', model: 'gpt', usage: { inputTokens: 0 } },
  { type: 'reasoning-delta', index: 0, text: 'Thinking' },
  { type: 'reasoning-delta', index: 0, text: '', signature: 'sig' },
  { type: 'text-delta', index: 1, text: 'Let me ' }, // no block-end for 0: the encoder stops it itself
  { type: 'text-delta', index: 1, text: 'check.' },
  { type: 'block-end', index: 1 },
  { type: 'tool-call-start', index: 2, id: 'call_1', name: 'get_weather' },
  { type: 'tool-call-delta', index: 2, argumentsDelta: '{"city":' },
  { type: 'tool-call-delta', index: 2, argumentsDelta: '"Paris"}' },
  { type: 'block-end', index: 2 },
  {
    type: 'finish',
    stopReason: 'tool-calls',
    usage: { inputTokens: 1200, cachedInputTokens: 1000, cacheWriteTokens: 50, outputTokens: 30 },
  },
];

describe('anthropic-messages stream encoding', () => {
  it('writes Anthropic events in order, as each pivot event arrives', () => {
    const encoder = messages.streamEncoder(context);
    const outputs = pivotStream.map((e) => wireEvents(encoder.push(e)));
    const names = outputs.map((events) => events.map((e) => e.event));
    expect(names).toEqual([
      ['message_start'],
      ['content_block_start', 'ping', 'content_block_delta'],
      ['content_block_delta'],
      ['content_block_stop', 'content_block_start', 'content_block_delta'],
      ['content_block_delta'],
      ['content_block_stop'],
      ['content_block_start'],
      ['content_block_delta'],
      ['content_block_delta'],
      ['content_block_stop'],
      ['message_delta', 'message_stop'],
    ]);
    expect(outputs[0]?.[0]?.data).toEqual({
      type: 'message_start',
      message: {
        id: 'msg_vmx',
        type: 'message',
        role: 'assistant',
        model: 'vmx-model',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
    expect(outputs[2]?.[0]?.data).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'signature_delta', signature: 'sig' },
    });
    expect(outputs[3]?.[1]?.data).toEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'text', text: '' },
    });
    expect(outputs[6]?.[0]?.data).toEqual({
      type: 'content_block_start',
      index: 2,
      content_block: { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} },
    });
    expect(outputs[10]?.[0]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 150, output_tokens: 30, cache_creation_input_tokens: 50, cache_read_input_tokens: 1000 },
    });
    expect(encoder.end()).toBe('');
  });

  it('ends with an error event on error, or when the stream stops early', () => {
    const encoder = messages.streamEncoder(context);
    encoder.push(pivotStream[0]!);
    expect(encoder.push({ type: 'error', message: 'boom' })).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"boom"}}\n\n',
    );
    expect(encoder.push(pivotStream[3]!)).toBe('');
    const cut = messages.streamEncoder(context);
    cut.push(pivotStream[0]!);
    expect(cut.end()).toContain('event: error');
  });
});

describe('anthropic-messages with the official @anthropic-ai/sdk', () => {
  let server: SseServer | undefined;
  afterEach(async () => server?.close());

  it('MessageStream accumulates the encoder output, receiving text before the stream ends', async () => {
    const firstTextSeen = gate();
    server = await sseServer(async (res) => {
      const encoder = messages.streamEncoder(context);
      for (const event of pivotStream) {
        res.write(encoder.push(event));
        if (event.type === 'text-delta') await firstTextSeen.wait();
      }
      res.write(encoder.end());
    });
    const client = new Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    const stream = client.messages.stream({ model: 'x', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const texts: string[] = [];
    stream.on('text', (text) => {
      texts.push(text);
      firstTextSeen.open();
    });
    const final = await stream.finalMessage();
    expect(firstTextSeen.timedOut).toBe(false);
    expect(texts).toEqual(['Let me ', 'check.']);
    expect(final).toMatchObject({
      id: 'msg_vmx',
      model: 'vmx-model',
      role: 'assistant',
      stop_reason: 'tool_use',
      content: [
        { type: 'thinking', thinking: 'Thinking', signature: 'sig' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      ],
      usage: { input_tokens: 150, output_tokens: 30, cache_creation_input_tokens: 50, cache_read_input_tokens: 1000 },
    });
  });

  it('the SDK raises an error event as an APIError', async () => {
    server = await sseServer(async (res) => {
      const encoder = messages.streamEncoder(context);
      res.write(encoder.push(pivotStream[0]!) + encoder.push({ type: 'error', message: 'upstream went away' }));
    });
    const client = new Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    const stream = client.messages.stream({ model: 'x', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    await expect(stream.finalMessage()).rejects.toThrow(/upstream went away/);
  });
});
