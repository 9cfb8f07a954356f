import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { anthropicMessagesCodec as messages } from '../../../src/providers/dialects/anthropic-messages/codec.js';
import { openaiChatCodec as chat } from '../../../src/providers/dialects/openai-chat/codec.js';
import { fixtureJson, fixtureText, gate, sseServer, wireEvents, type SseServer } from './fixtures.js';

/** Conversions through the pivot between the two dialects: chat → pivot → anthropic and back. */

const C = 'openai-chat';
const A = 'anthropic-messages';

describe('requests across dialects', () => {
  it('chat text, images and system → anthropic → chat', () => {
    const body = fixtureJson(C, 'request-text-image.json');
    const anthropic = messages.encodeRequest(chat.decodeRequest(body).value);
    expect(anthropic.dropped).toEqual([]);
    expect(anthropic.value).toMatchObject({
      system: [
        { type: 'text', text: 'You are terse.' },
        { type: 'text', text: 'Answer in English.' },
      ],
      max_tokens: 256,
      metadata: { user_id: 'user-42' },
      stop_sequences: ['END'],
    });
    expect((anthropic.value.messages as any[])[0].content.slice(1)).toEqual([
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    ]);
    const back = chat.encodeRequest(messages.decodeRequest(anthropic.value).value).value as any;
    expect(back.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'system', content: 'Answer in English.' },
      ...(body.messages as unknown[]).slice(2), // the data: URL image comes back as a data: URL
    ]);
  });

  it('chat tool calls and several tool messages → one anthropic user turn → chat again', () => {
    const body = fixtureJson(C, 'request-tools.json');
    const anthropic = messages.encodeRequest(chat.decodeRequest(body).value);
    expect(anthropic.value.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Tokyo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_paris', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_tokyo', name: 'get_weather', input: { city: 'Tokyo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_paris', content: '18°C, cloudy' },
          { type: 'tool_result', tool_use_id: 'call_tokyo', content: '24°C, sunny' },
          { type: 'text', text: 'Which is warmer?' },
        ],
      },
    ]);
    expect(anthropic.value.tool_choice).toEqual({ type: 'auto' });
    const back = chat.encodeRequest(messages.decodeRequest(anthropic.value).value).value;
    expect(back).toEqual({ ...body, max_tokens: undefined, max_completion_tokens: 512 });
  });

  it('anthropic tools with thinking → chat, saying what Chat cannot carry; ids round-trip', () => {
    const body = fixtureJson(A, 'request-tools.json');
    const toChat = chat.encodeRequest(messages.decodeRequest(body).value);
    expect(toChat.dropped).toEqual([
      'reasoning (thinking) content',
      'anthropic thinking signatures',
      'tool result error flag',
    ]);
    expect((toChat.value.messages as any[]).slice(1, 4)).toEqual([
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          {
            id: 'toolu_01A09q90qw90lq917835lq9',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          {
            id: 'toolu_01B19q90qw90lq917835lq8',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '18°C, cloudy' },
      { role: 'tool', tool_call_id: 'toolu_01B19q90qw90lq917835lq8', content: 'unavailable' },
    ]);
    expect(toChat.value.tool_choice).toBe('required');
    const again = messages.encodeRequest(chat.decodeRequest(toChat.value).value).value as any;
    expect(again.messages[1].content.map((b: any) => b.id ?? b.type)).toEqual([
      'text',
      'toolu_01A09q90qw90lq917835lq9',
      'toolu_01B19q90qw90lq917835lq8',
    ]);
    expect(again.messages[2].content.map((b: any) => b.tool_use_id ?? b.type)).toEqual([
      'toolu_01A09q90qw90lq917835lq9',
      'toolu_01B19q90qw90lq917835lq8',
      'text',
    ]);
  });
});

describe('responses across dialects', () => {
  it('keeps usage totals right: chat prompt_tokens include cached tokens, anthropic input_tokens do not', () => {
    const chatBody = fixtureJson(C, 'response-text.json');
    const anthropic = messages.encodeResponse(chat.decodeResponse(chatBody));
    expect(anthropic.usage).toEqual({
      input_tokens: 176,
      output_tokens: 40,
      cache_read_input_tokens: 1024,
      output_tokens_details: { thinking_tokens: 12 },
    });
    const back = chat.encodeResponse(messages.decodeResponse(anthropic), { created: 1 }) as any;
    expect(back.usage).toEqual({
      prompt_tokens: 1200,
      completion_tokens: 40,
      total_tokens: 1240,
      prompt_tokens_details: { cached_tokens: 1024 },
      completion_tokens_details: { reasoning_tokens: 12 },
    });
    const fromAnthropic = chat.encodeResponse(messages.decodeResponse(fixtureJson(A, 'response-text.json')), {
      created: 1,
    }) as any;
    expect(fromAnthropic.usage).toMatchObject({
      prompt_tokens: 1200,
      prompt_tokens_details: { cached_tokens: 1024, cache_write_tokens: 0 },
    });
  });

  it('anthropic tool_use answer → chat tool_calls with the same ids', () => {
    const out = chat.encodeResponse(messages.decodeResponse(fixtureJson(A, 'response-tools.json')), {
      created: 1,
    }) as any;
    expect(out.choices[0]).toEqual({
      index: 0,
      logprobs: null,
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: 'Checking both.',
        refusal: null,
        reasoning_content: 'Two cities, two calls.',
        tool_calls: [
          {
            id: 'toolu_01A09q90qw90lq917835lq9',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          {
            id: 'toolu_01B19q90qw90lq917835lq8',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
          },
        ],
      },
    });
  });
});

describe('streams across dialects, event by event', () => {
  let server: SseServer | undefined;
  afterEach(async () => server?.close());
  const context = { id: 'vmx-1', model: 'resource', created: 1741570300 };

  it('anthropic upstream → chat client: every text and tool delta is written as its event arrives', () => {
    const decoder = messages.streamDecoder();
    const encoder = chat.streamEncoder({ ...context, includeUsage: true });
    for (const event of wireEvents(fixtureText(A, 'stream-tools.sse'))) {
      const out = decoder
        .push(event)
        .map((e) => encoder.push(e))
        .join('');
      const delta = (event.data as any).delta;
      if (delta?.type === 'text_delta') expect(out).toContain(JSON.stringify(delta.text).slice(1, -1));
      if (delta?.type === 'input_json_delta' && delta.partial_json) expect(out).toContain('"tool_calls"');
      if ((event.data as any).type === 'message_delta') expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
    }
    expect(decoder.end()).toEqual([]);
    expect(encoder.end()).toBe('');
  });

  it('anthropic upstream → openai SDK client', async () => {
    server = await sseServer(async (res) => {
      const decoder = messages.streamDecoder();
      const encoder = chat.streamEncoder({ ...context, includeUsage: true });
      for (const event of wireEvents(fixtureText(A, 'stream-tools.sse')))
        res.write(
          decoder
            .push(event)
            .map((e) => encoder.push(e))
            .join(''),
        );
      res.write([...decoder.end().map((e) => encoder.push(e)), encoder.end()].join(''));
    });
    const client = new OpenAI({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    const final = await client.chat.completions
      .stream({ model: 'resource', messages: [{ role: 'user', content: 'hi' }] })
      .finalChatCompletion();
    expect(final.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'Checking both.',
        tool_calls: [
          { id: 'toolu_01A09q90qw90lq917835lq9', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
          { id: 'toolu_01B19q90qw90lq917835lq8', function: { name: 'get_weather', arguments: '{"city": "Tokyo"}' } },
        ],
      },
    });
    expect(final.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 });
  });

  it('chat upstream → anthropic SDK client, text arriving before the upstream is done', async () => {
    const seen = gate();
    server = await sseServer(async (res) => {
      const decoder = chat.streamDecoder();
      const encoder = messages.streamEncoder(context);
      for (const event of wireEvents(fixtureText(C, 'stream-text.sse'))) {
        res.write(
          decoder
            .push(event)
            .map((e) => encoder.push(e))
            .join(''),
        );
        if ((event.data as any)?.choices?.[0]?.delta?.content) await seen.wait();
      }
      res.write([...decoder.end().map((e) => encoder.push(e)), encoder.end()].join(''));
    });
    const client = new Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    const stream = client.messages.stream({
      model: 'resource',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    stream.on('text', () => seen.open());
    const final = await stream.finalMessage();
    expect(seen.timedOut).toBe(false);
    expect(final).toMatchObject({
      id: 'vmx-1',
      content: [{ type: 'text', text: 'Hello wörld!' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 19, output_tokens: 4, cache_read_input_tokens: 0 },
    });
  });

  it('chat upstream tool calls → anthropic SDK client with parsed inputs', async () => {
    server = await sseServer(async (res) => {
      const decoder = chat.streamDecoder();
      const encoder = messages.streamEncoder(context);
      for (const event of wireEvents(fixtureText(C, 'stream-tools.sse')))
        res.write(
          decoder
            .push(event)
            .map((e) => encoder.push(e))
            .join(''),
        );
      res.write(encoder.end());
    });
    const client = new Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    const final = await client.messages
      .stream({ model: 'resource', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(final.content).toEqual([
      { type: 'tool_use', id: 'call_paris', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_tokyo', name: 'get_weather', input: { city: 'Tokyo' } },
    ]);
    expect(final.stop_reason).toBe('tool_use');
    // 82 prompt tokens of which 64 cached: Anthropic counts 18 uncached + 64 read.
    expect(final.usage).toMatchObject({ input_tokens: 18, cache_read_input_tokens: 64, output_tokens: 51 });
  });
});
