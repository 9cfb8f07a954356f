import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../src/errors.js';
import type { PivotRequest, PivotResponse } from '../../../src/providers/pivot.js';
import {
  decodeResponsesRequest,
  decodeResponsesResponse,
  encodeResponsesRequest,
  encodeResponsesResponse,
  openaiResponsesCodec,
} from '../../../src/providers/dialects/openai-responses/codec.js';

const json = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../../fixtures/dialects/openai-responses/${name}`, import.meta.url), 'utf8'));

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** What request-items.json means in the pivot. */
const itemsPivot: PivotRequest = {
  model: 'my-resource',
  system: ['You are a weather bot.', 'Answer in French.'],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is the weather in Paris and Lyon? Here is a map:' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
        { type: 'image', source: { kind: 'url', url: 'https://example.com/map.png' } },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'Two cities: call the tool twice.', signature: 'sig-abc' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool-call', id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'tool-call', id: 'call_lyon', name: 'get_weather', arguments: '{"city":"Lyon"}' },
      ],
    },
    { role: 'tool', toolCallId: 'call_paris', content: [{ type: 'text', text: '18C, sunny' }] },
    { role: 'tool', toolCallId: 'call_lyon', content: [{ type: 'text', text: '15C, rain' }] },
    { role: 'user', content: [{ type: 'text', text: 'Thanks! Which is warmer?' }] },
  ],
  tools: [weatherTool],
  toolChoice: { name: 'get_weather' },
  maxTokens: 512,
  temperature: 0.2,
  topP: 0.9,
  stream: true,
  user: 'user-42',
};

describe('openai-responses request', () => {
  it('decodes a string input with instructions as one user message and a system text', () => {
    const body = {
      model: 'r',
      input: 'Hi',
      instructions: 'Be brief',
      max_output_tokens: 100,
      temperature: 0.5,
      top_p: 1,
    };
    expect(decodeResponsesRequest(body)).toEqual({
      value: {
        model: 'r',
        system: ['Be brief'],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
        tools: [],
        maxTokens: 100,
        temperature: 0.5,
        topP: 1,
        stream: false,
      },
      dropped: [],
    });
  });

  it('decodes items: images, reasoning, function calls merged into one assistant turn, several outputs', () => {
    const { value, dropped } = decodeResponsesRequest(json('request-items.json'));
    expect(value).toEqual(itemsPivot);
    expect(dropped).toEqual([
      'openai-responses web_search tool',
      'openai-responses reasoning options',
      'openai-responses store (the response is not stored upstream)',
    ]);
  });

  it('rejects an input that is neither a string nor a list of items', () => {
    expect(() => decodeResponsesRequest({ model: 'r', input: 42 })).toThrow(InvalidRequestError);
    expect(() => decodeResponsesRequest({ model: 'r', input: [{ type: 'function_call', name: 'f' }] })).toThrow(
      /call_id/,
    );
  });

  it('encodes the pivot as Responses items, tools not strict, store off', () => {
    const { value, dropped } = encodeResponsesRequest(itemsPivot);
    expect(value).toMatchObject({
      model: 'my-resource',
      instructions: 'You are a weather bot.',
      store: false,
      stream: true,
      max_output_tokens: 512,
      temperature: 0.2,
      top_p: 0.9,
      user: 'user-42',
      tool_choice: { type: 'function', name: 'get_weather' },
      tools: [{ type: 'function', name: 'get_weather', strict: false, description: 'Current weather for a city' }],
    });
    expect(value.input).toEqual([
      { type: 'message', role: 'developer', content: 'Answer in French.' },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is the weather in Paris and Lyon? Here is a map:' },
          { type: 'input_image', detail: 'auto', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
          { type: 'input_image', detail: 'auto', image_url: 'https://example.com/map.png' },
        ],
      },
      { type: 'message', role: 'assistant', content: 'Let me check.' },
      { type: 'function_call', call_id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call', call_id: 'call_lyon', name: 'get_weather', arguments: '{"city":"Lyon"}' },
      { type: 'function_call_output', call_id: 'call_paris', output: '18C, sunny' },
      { type: 'function_call_output', call_id: 'call_lyon', output: '15C, rain' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Thanks! Which is warmer?' }] },
    ]);
    expect(dropped).toEqual(['assistant reasoning history']);
  });

  it('round-trips pivot → Responses → pivot (reasoning history excepted)', () => {
    const { value } = openaiResponsesCodec.encodeRequest(itemsPivot);
    const expected = structuredClone(itemsPivot);
    expected.messages[1]!.content.shift();
    expect(openaiResponsesCodec.decodeRequest(value).value).toEqual(expected);
  });

  it('says what it cannot send: stop sequences, tool error flags', () => {
    const request: PivotRequest = {
      model: 'm',
      system: [],
      messages: [{ role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: 'boom' }], isError: true }],
      tools: [],
      toolChoice: 'required',
      stop: ['END'],
      stream: false,
    };
    const { value, dropped } = encodeResponsesRequest(request);
    expect(value.tool_choice).toBe('required');
    expect(dropped).toEqual(['tool result error flag', 'stop sequences (openai-responses has none)']);
  });
});

describe('openai-responses response', () => {
  it('decodes reasoning (summaries joined, encrypted_content as signature), text and usage', () => {
    expect(decodeResponsesResponse(json('response-reasoning-text.json'))).toEqual({
      id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
      model: 'o4-mini-2025-04-16',
      content: [
        { type: 'reasoning', text: 'The user greets me.\n\nAnswer briefly.', signature: 'gAAAAB-opaque' },
        { type: 'text', text: 'Hello! How can I help?' },
      ],
      stopReason: 'stop',
      usage: { inputTokens: 1200, outputTokens: 150, cachedInputTokens: 1024, reasoningTokens: 128 },
    });
  });

  it('decodes function calls as tool-calls and incomplete/max_output_tokens as length', () => {
    const tools = decodeResponsesResponse(json('response-tool-calls.json'));
    expect(tools.stopReason).toBe('tool-calls');
    expect(tools.content).toEqual([
      { type: 'tool-call', id: 'call_unLAR8MvFNptuiZK6K6HCy5k', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'tool-call', id: 'call_2', name: 'get_weather', arguments: '{"city":"Lyon"}' },
    ]);
    expect(decodeResponsesResponse(json('response-incomplete.json')).stopReason).toBe('length');
    expect(() => decodeResponsesResponse({ hello: 1 })).toThrow(/invalid upstream response/);
  });

  const pivot: PivotResponse = {
    id: 'resp_x1',
    model: 'gpt-x',
    content: [
      { type: 'reasoning', text: 'think', signature: 'sig' },
      { type: 'text', text: 'Calling.' },
      { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ],
    stopReason: 'tool-calls',
    usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 40, cacheWriteTokens: 10, reasoningTokens: 5 },
  };

  it('encodes a complete Response object and decodes back to the same pivot', () => {
    const body = encodeResponsesResponse(pivot, 1700000000);
    expect(body).toMatchObject({
      id: 'resp_x1',
      object: 'response',
      created_at: 1700000000,
      status: 'completed',
      model: 'gpt-x',
    });
    expect(body.output.map((o) => [o.type, o.id])).toEqual([
      ['reasoning', 'rs_x1_0'],
      ['message', 'msg_x1_1'],
      ['function_call', 'fc_x1_2'],
    ]);
    expect(body.usage).toEqual({
      input_tokens: 100,
      input_tokens_details: { cached_tokens: 40, cache_write_tokens: 10 },
      output_tokens: 20,
      output_tokens_details: { reasoning_tokens: 5 },
      total_tokens: 120,
    });
    expect(decodeResponsesResponse(body)).toEqual(pivot);
  });

  it('marks length and content-filter as incomplete with their reason', () => {
    const base: PivotResponse = {
      id: 'r',
      model: 'm',
      content: [{ type: 'text', text: 'Once' }],
      stopReason: 'length',
      usage: {},
    };
    expect(encodeResponsesResponse(base)).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    });
    const filtered = encodeResponsesResponse({ ...base, stopReason: 'content-filter' });
    expect(filtered).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
    expect(decodeResponsesResponse(filtered).stopReason).toBe('content-filter');
    const refusal = encodeResponsesResponse({ ...base, stopReason: 'refusal' });
    expect(refusal.output[0]).toMatchObject({ content: [{ type: 'refusal', refusal: 'Once' }] });
    expect(decodeResponsesResponse(refusal).stopReason).toBe('refusal');
  });
});
