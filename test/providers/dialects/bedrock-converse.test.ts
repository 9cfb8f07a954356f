import { readFileSync } from 'node:fs';
import type { ConverseCommandInput, ConverseStreamCommandInput } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import {
  bedrockConverseCodec,
  converseRequestJson,
  converseStreamFrames,
  createConverseFrameEncoder,
  createConverseStreamDecoder,
  decodeConverseRequest,
  decodeConverseResponse,
  encodeConverseRequest,
  encodeConverseResponse,
} from '../../../src/providers/dialects/bedrock-converse/codec.js';
import type { PivotRequest, PivotResponse, PivotStreamEvent } from '../../../src/providers/pivot.js';

const json = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../../fixtures/dialects/bedrock-converse/${name}`, import.meta.url), 'utf8'));

const PNG = 'iVBORw0KGgo=';
const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** What request-conversation.json means in the pivot. */
const conversation: PivotRequest = {
  model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  system: ['You are a weather bot.', 'Answer in French.'],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is the weather in Paris and Lyon? Here is a map:' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG } },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'Two cities: call the tool twice.', signature: 'sig-abc' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool-call', id: 'tooluse_paris', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'tool-call', id: 'tooluse_lyon', name: 'get_weather', arguments: '{"city":"Lyon"}' },
      ],
    },
    { role: 'tool', toolCallId: 'tooluse_paris', content: [{ type: 'text', text: '18C, sunny' }] },
    {
      role: 'tool',
      toolCallId: 'tooluse_lyon',
      content: [{ type: 'text', text: '{"tempC":15,"sky":"rain"}' }],
      isError: true,
    },
    { role: 'user', content: [{ type: 'text', text: 'Thanks! Which is warmer?' }] },
  ],
  tools: [weatherTool],
  toolChoice: { name: 'get_weather' },
  maxTokens: 512,
  temperature: 0.2,
  topP: 0.9,
  stop: ['END'],
  stream: false,
};

describe('bedrock-converse request', () => {
  it('decodes a Converse body (base64 bytes, tool results split out before the user text)', () => {
    expect(decodeConverseRequest(json('request-conversation.json'))).toEqual({ value: conversation, dropped: [] });
  });

  it('encodes back to the same Converse body: merged tool results, parsed tool input, bytes as Uint8Array', () => {
    const { value, dropped } = encodeConverseRequest(conversation);
    expect(dropped).toEqual([]);
    const image = value.messages?.[0]?.content?.[1]?.image?.source?.bytes;
    expect(image?.constructor).toBe(Uint8Array);
    expect(Buffer.from(image!).toString('base64')).toBe(PNG);
    expect(value.messages?.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    const { modelId, ...wire } = json('request-conversation.json');
    expect(value.modelId).toBe(modelId);
    // The lyon result was JSON; the pivot keeps it as text, so it comes back as a text block.
    wire.messages[2].content[1].toolResult.content = [{ text: '{"tempC":15,"sky":"rain"}' }];
    expect(JSON.parse(converseRequestJson(value))).toEqual(wire);
  });

  it('the AWS SDK command input types accept the encoded request', () => {
    const { value } = bedrockConverseCodec.encodeRequest(conversation);
    const typed = encodeConverseRequest(conversation).value;
    const converse: ConverseCommandInput = typed;
    const stream: ConverseStreamCommandInput = typed;
    expect(converse.modelId).toBe(stream.modelId);
    expect(value).toEqual(typed);
  });

  it('drops what Converse cannot take and says so', () => {
    const request: PivotRequest = {
      model: 'm',
      system: [],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' } },
            { type: 'image', source: { kind: 'url', url: `data:image/jpeg;base64,${PNG}` } },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/tiff', data: PNG } },
            { type: 'text', text: '' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'unsigned' },
            { type: 'tool-call', id: 't1', name: 'f', arguments: 'not json' },
            { type: 'tool-call', id: 't2', name: 'g', arguments: '' },
          ],
        },
        { role: 'tool', toolCallId: 't1', content: [{ type: 'text', text: 'one' }] },
        { role: 'tool', toolCallId: 't2', content: [{ type: 'text', text: 'two' }] },
      ],
      tools: [weatherTool],
      toolChoice: 'none',
      stream: true,
      user: 'u1',
    };
    const { value, dropped } = encodeConverseRequest(request);
    expect(value.messages).toEqual([
      { role: 'user', content: [{ image: { format: 'jpeg', source: { bytes: expect.any(Uint8Array) } } }] },
      {
        role: 'assistant',
        content: [
          { toolUse: { toolUseId: 't1', name: 'f', input: {} } },
          { toolUse: { toolUseId: 't2', name: 'g', input: {} } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 't1', content: [{ text: 'one' }] } },
          { toolResult: { toolUseId: 't2', content: [{ text: 'two' }] } },
        ],
      },
    ]);
    expect(value.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'get_weather',
            description: weatherTool.description,
            inputSchema: { json: weatherTool.parameters },
          },
        },
      ],
    });
    expect(value.inferenceConfig).toBeUndefined();
    expect(dropped).toEqual([
      'image URL (bedrock-converse takes image bytes only)',
      'image of type image/tiff (bedrock-converse takes png, jpeg, gif, webp)',
      'unsigned reasoning history',
      'tool call arguments that are not a JSON object (f; sent as {})',
      'tool_choice none (bedrock-converse has no equivalent; tools still offered)',
      'end-user id (bedrock-converse has no user field)',
    ]);
  });

  it('maps tool choices auto → auto, required → any', () => {
    const base: PivotRequest = { model: 'm', system: [], messages: [], tools: [weatherTool], stream: false };
    expect(encodeConverseRequest({ ...base, toolChoice: 'auto' }).value.toolConfig?.toolChoice).toEqual({ auto: {} });
    expect(encodeConverseRequest({ ...base, toolChoice: 'required' }).value.toolConfig?.toolChoice).toEqual({
      any: {},
    });
    expect(encodeConverseRequest({ ...base, tools: [] }).value.toolConfig).toBeUndefined();
    expect(decodeConverseRequest({ toolConfig: { tools: [], toolChoice: { any: {} } } }).value.toolChoice).toBe(
      'required',
    );
  });
});

describe('bedrock-converse response', () => {
  it('decodes content, stop reason and usage with cache tokens added into inputTokens', () => {
    const pivot = decodeConverseResponse(json('response-text.json'));
    expect(pivot.id).toMatch(/^bedrock-[0-9a-f-]{36}$/);
    expect(pivot).toMatchObject({
      model: '',
      content: [
        { type: 'reasoning', text: 'The user greets me.', signature: 'EqQBCkYIAxgC' },
        { type: 'text', text: 'Hello! How can I help?' },
      ],
      stopReason: 'stop',
      usage: { inputTokens: 1512, outputTokens: 30, cachedInputTokens: 1000, cacheWriteTokens: 500 },
    });
    const tools = decodeConverseResponse({ ...json('response-tool-use.json'), $metadata: { requestId: 'req-1' } });
    expect(tools).toMatchObject({
      id: 'req-1',
      stopReason: 'tool-calls',
      usage: { inputTokens: 420, outputTokens: 90 },
    });
    expect(tools.content[2]).toEqual({
      type: 'tool-call',
      id: 'tooluse_2',
      name: 'get_weather',
      arguments: '{"city":"Lyon"}',
    });
    expect(() => decodeConverseResponse({ output: {} })).toThrow(/invalid upstream response/);
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['tool_use', 'tool-calls'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['guardrail_intervened', 'content-filter'],
    ['content_filtered', 'content-filter'],
    ['malformed_tool_use', 'other'],
  ])('maps stopReason %s to %s', (stopReason, expected) => {
    const body = { output: { message: { role: 'assistant', content: [] } }, stopReason, usage: {} };
    expect(decodeConverseResponse(body).stopReason).toBe(expected);
  });

  it('encodes the ConverseCommandOutput shape, taking cache tokens back out of inputTokens', () => {
    const fixture = json('response-text.json');
    const encoded = encodeConverseResponse(decodeConverseResponse(fixture));
    expect(encoded.usage).toEqual(fixture.usage);
    expect(encoded.output).toEqual(fixture.output);
    const pivot: PivotResponse = {
      id: 'x',
      model: 'm',
      content: [{ type: 'tool-call', id: 't', name: 'f', arguments: '{"a":1}' }],
      stopReason: 'tool-calls',
      usage: { inputTokens: 10, outputTokens: 2 },
    };
    const body = bedrockConverseCodec.encodeResponse(pivot);
    expect(body).toMatchObject({
      stopReason: 'tool_use',
      usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 },
    });
    expect(bedrockConverseCodec.decodeResponse(body)).toMatchObject({
      content: pivot.content,
      stopReason: 'tool-calls',
      usage: pivot.usage,
    });
  });
});

const streamFixture = (): Array<[string, Record<string, unknown>]> => json('stream-reasoning-tool-use.json');
const expectedStream: PivotStreamEvent[] = [
  { type: 'reasoning-delta', index: 0, text: 'Need the ' },
  { type: 'reasoning-delta', index: 0, text: 'weather.' },
  { type: 'reasoning-delta', index: 0, text: '', signature: 'EqQBCkYIAxgC' },
  { type: 'block-end', index: 0 },
  { type: 'text-delta', index: 1, text: 'Checking ' },
  { type: 'text-delta', index: 1, text: 'Paris.' },
  { type: 'block-end', index: 1 },
  { type: 'tool-call-start', index: 2, id: 'tooluse_abc', name: 'get_weather' },
  { type: 'tool-call-delta', index: 2, argumentsDelta: '{"city":' },
  { type: 'tool-call-delta', index: 2, argumentsDelta: '"Paris"}' },
  { type: 'block-end', index: 2 },
  { type: 'finish', stopReason: 'tool-calls', usage: { inputTokens: 220, outputTokens: 45, cachedInputTokens: 200 } },
];

describe('bedrock-converse stream decoder', () => {
  it('decodes frames ({event, data}) one at a time; finish waits for metadata and its usage', () => {
    const decoder = bedrockConverseCodec.streamDecoder();
    const outputs = streamFixture().map(([event, data]) => decoder.push({ event, data }));
    expect(outputs[0]).toEqual([{ type: 'start', id: expect.stringMatching(/^bedrock-/), model: '' }]);
    expect(outputs[1]).toEqual([expectedStream[0]]); // the first delta, at once
    expect(outputs.at(-2)).toEqual([]); // messageStop: the usage is still to come
    expect(outputs.flat().slice(1)).toEqual(expectedStream);
    expect(decoder.end()).toEqual([]);
  });

  it('accepts the AWS SDK union shape ({ contentBlockDelta: {...} }) too', () => {
    const decoder = createConverseStreamDecoder();
    const events = streamFixture().flatMap(([type, body]) => decoder.push({ data: { [type]: body } }));
    expect(events.slice(1)).toEqual(expectedStream);
  });

  it('turns exceptions into errors, and ends a stream cut after or before messageStop', () => {
    const failing = createConverseStreamDecoder();
    failing.push({ event: 'messageStart', data: { role: 'assistant' } });
    expect(failing.push({ data: { throttlingException: { message: 'slow down' } } })).toEqual([
      { type: 'error', message: 'throttlingException: slow down' },
    ]);
    const noMetadata = createConverseStreamDecoder();
    noMetadata.push({ event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { text: 'Hi' } } });
    noMetadata.push({ event: 'messageStop', data: { stopReason: 'max_tokens' } });
    expect(noMetadata.end()).toEqual([
      { type: 'block-end', index: 0 },
      { type: 'finish', stopReason: 'length' },
    ]);
    const cut = createConverseStreamDecoder();
    cut.push({ event: 'messageStart', data: { role: 'assistant' } });
    expect(cut.end()).toEqual([{ type: 'error', message: 'upstream stream ended before messageStop' }]);
  });
});

describe('bedrock-converse stream encoder', () => {
  it('writes frames per pivot event, renumbering blocks and closing them before messageStop', () => {
    const encoder = createConverseFrameEncoder();
    expect(
      encoder.push({ type: 'start', id: 'x', model: 'm', usage: { inputTokens: 50, cachedInputTokens: 30 } }),
    ).toEqual([{ eventType: 'messageStart', body: { role: 'assistant' }, messageType: 'event' }]);
    expect(encoder.push({ type: 'text-delta', index: 4, text: 'Hi' })).toEqual([
      { eventType: 'contentBlockDelta', body: { contentBlockIndex: 0, delta: { text: 'Hi' } }, messageType: 'event' },
    ]);
    expect(encoder.push({ type: 'tool-call-start', index: 9, id: 't', name: 'f' }).map((f) => f.body)).toEqual([
      { contentBlockIndex: 1, start: { toolUse: { toolUseId: 't', name: 'f' } } },
    ]);
    const end = encoder.push({ type: 'finish', stopReason: 'tool-calls', usage: { outputTokens: 5 } });
    expect(end.map((f) => [f.eventType, f.body])).toEqual([
      ['contentBlockStop', { contentBlockIndex: 0 }],
      ['contentBlockStop', { contentBlockIndex: 1 }],
      ['messageStop', { stopReason: 'tool_use' }],
      [
        'metadata',
        {
          usage: { inputTokens: 20, outputTokens: 5, totalTokens: 55, cacheReadInputTokens: 30 },
          metrics: { latencyMs: 0 },
        },
      ],
    ]);
    expect(encoder.end()).toEqual([]);
  });

  it('round-trips the fixture: frames → pivot → frames', () => {
    const decoder = createConverseStreamDecoder();
    const pivot = streamFixture().flatMap(([event, data]) => decoder.push({ event, data }));
    const frames = converseStreamFrames(pivot).map((f) => [f.eventType, f.body]);
    const expected = streamFixture();
    (expected.at(-1)![1] as { metrics: unknown }).metrics = { latencyMs: 0 };
    expect(frames).toEqual(expected);
  });

  it('writes JSON lines in the SDK union shape for the DialectCodec string encoder, and errors as exceptions', () => {
    const encoder = bedrockConverseCodec.streamEncoder({ id: 'x', model: 'm', created: 0 });
    expect(encoder.push({ type: 'text-delta', index: 0, text: 'Hi' })).toBe(
      '{"messageStart":{"role":"assistant"}}\n{"contentBlockDelta":{"contentBlockIndex":0,"delta":{"text":"Hi"}}}\n',
    );
    expect(encoder.push({ type: 'error', message: 'boom' })).toBe('{"modelStreamErrorException":{"message":"boom"}}\n');
    expect(encoder.end()).toBe('');
    expect(converseStreamFrames([{ type: 'start', id: 'a', model: 'b' }]).at(-1)).toEqual({
      eventType: 'modelStreamErrorException',
      body: { message: 'the stream ended before the response was complete' },
      messageType: 'exception',
    });
  });
});
