import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PivotStreamEvent, WireEvent } from '../../../src/providers/pivot.js';
import {
  createResponsesStreamDecoder,
  createResponsesStreamEncoder,
  openaiResponsesCodec,
} from '../../../src/providers/dialects/openai-responses/codec.js';
import { createSseDecoder } from '../../../src/providers/dialects/sse-parse.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/dialects/openai-responses/${name}`, import.meta.url), 'utf8');

/** SSE text → parsed events, through the project's own SSE parser. */
function parseSse(text: string): WireEvent[] {
  const events: WireEvent[] = [];
  const decoder = createSseDecoder((e) => events.push(e));
  decoder.push(text);
  decoder.end();
  return events;
}

describe('openai-responses stream decoder', () => {
  it('turns each event into pivot events as it arrives', () => {
    const decoder = openaiResponsesCodec.streamDecoder();
    const outputs = parseSse(fixture('stream-text.sse')).map((e) => decoder.push(e));
    expect(outputs[0]).toEqual([{ type: 'start', id: 'resp_stream_1', model: 'gpt-4.1-2025-04-14' }]);
    expect(outputs[4]).toEqual([{ type: 'text-delta', index: 0, text: 'Hi' }]); // the first delta, at once
    const all = outputs.flat();
    expect(
      all
        .filter((e) => e.type === 'text-delta')
        .map((e) => (e.type === 'text-delta' ? e.text : ''))
        .join(''),
    ).toBe('Hi there! How can I help?');
    expect(all.slice(-2)).toEqual([
      { type: 'block-end', index: 0 },
      {
        type: 'finish',
        stopReason: 'stop',
        usage: { inputTokens: 37, outputTokens: 11, cachedInputTokens: 0, reasoningTokens: 0 },
      },
    ]);
    expect(decoder.end()).toEqual([]);
  });

  it('decodes reasoning summaries, streamed and done-only function calls', () => {
    const decoder = createResponsesStreamDecoder();
    const events = parseSse(fixture('stream-reasoning-tools.sse')).flatMap((e) => decoder.push(e));
    expect(events).toEqual([
      { type: 'start', id: 'resp_stream_1', model: 'gpt-4.1-2025-04-14' },
      { type: 'reasoning-delta', index: 0, text: 'Need ' },
      { type: 'reasoning-delta', index: 0, text: 'weather.' },
      { type: 'reasoning-delta', index: 0, text: '\n\nTwo calls.' },
      { type: 'reasoning-delta', index: 0, text: '', signature: 'enc-xyz' },
      { type: 'block-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_a', name: 'get_weather' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '"Paris"}' },
      { type: 'block-end', index: 1 },
      { type: 'tool-call-start', index: 2, id: 'call_b', name: 'get_weather' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: '{"city":"Lyon"}' },
      { type: 'block-end', index: 2 },
      {
        type: 'finish',
        stopReason: 'tool-calls',
        usage: { inputTokens: 120, outputTokens: 40, cachedInputTokens: 64, reasoningTokens: 20 },
      },
    ]);
  });

  it('reports an error event, a failed response and a cut stream as errors', () => {
    const a = createResponsesStreamDecoder();
    expect(
      a.push({ event: 'error', data: { type: 'error', code: 'server_error', message: 'boom', param: null } }),
    ).toEqual([{ type: 'error', message: 'boom' }]);
    const b = createResponsesStreamDecoder();
    b.push({ data: { type: 'response.created', response: { id: 'r', model: 'm' } } });
    b.push({ data: { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'x' } });
    expect(b.end()).toEqual([
      { type: 'block-end', index: 0 },
      { type: 'error', message: 'upstream stream ended before response.completed' },
    ]);
    const c = createResponsesStreamDecoder();
    const failed = {
      type: 'response.failed',
      response: { status: 'failed', error: { code: 'server_error', message: 'nope' } },
    };
    expect(c.push({ data: failed })).toEqual([{ type: 'error', message: 'nope' }]);
  });
});

describe('openai-responses stream encoder', () => {
  const context = { id: 'resp_gw1', model: 'my-resource', created: 1700000000 };
  const types = (sse: string): string[] => parseSse(sse).map((e) => (e.data as { type: string }).type);

  it('writes each pivot event as its Responses events at once, ending with the assembled response', () => {
    const encoder = createResponsesStreamEncoder(context);
    expect(types(encoder.push({ type: 'start', id: 'up-1', model: 'gpt-x', usage: { inputTokens: 9 } }))).toEqual([
      'response.created',
      'response.in_progress',
    ]);
    expect(types(encoder.push({ type: 'text-delta', index: 0, text: 'Hel' }))).toEqual([
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
    ]);
    expect(types(encoder.push({ type: 'text-delta', index: 0, text: 'lo' }))).toEqual(['response.output_text.delta']);
    expect(types(encoder.push({ type: 'block-end', index: 0 }))).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
    ]);
    const last = parseSse(encoder.push({ type: 'finish', stopReason: 'stop', usage: { outputTokens: 2 } }));
    expect(last).toHaveLength(1);
    expect(last[0]!.event).toBe('response.completed');
    expect(last[0]!.data).toMatchObject({
      type: 'response.completed',
      sequence_number: 9,
      response: {
        id: 'resp_gw1',
        status: 'completed',
        model: 'my-resource',
        output: [{ type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Hello' }] }],
        usage: { input_tokens: 9, output_tokens: 2, total_tokens: 11 },
      },
    });
    expect(encoder.end()).toBe('');
  });

  it('frames every event as `event: <type>` + data with increasing sequence numbers', () => {
    const encoder = createResponsesStreamEncoder(context);
    const script: PivotStreamEvent[] = [
      { type: 'start', id: 'x', model: 'y' },
      { type: 'reasoning-delta', index: 0, text: 'hmm' },
      { type: 'reasoning-delta', index: 0, text: '', signature: 'sig' },
      { type: 'block-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_1', name: 'f' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"a":' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '1}' },
      { type: 'block-end', index: 1 },
      { type: 'finish', stopReason: 'tool-calls' },
    ];
    const sse = script.map((e) => encoder.push(e)).join('');
    expect(sse).toMatch(/^event: response\.created\ndata: \{"type":"response\.created","sequence_number":0,/);
    const events = parseSse(sse);
    events.forEach((e, i) => expect(e.data).toMatchObject({ type: e.event, sequence_number: i }));
    expect(events.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect((events.at(-1)!.data as any).response.output).toEqual([
      {
        id: 'rs_gw1_0',
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'hmm' }],
        encrypted_content: 'sig',
        status: 'completed',
      },
      {
        id: 'fc_gw1_1',
        type: 'function_call',
        status: 'completed',
        call_id: 'call_1',
        name: 'f',
        arguments: '{"a":1}',
      },
    ]);
  });

  it('ends with response.incomplete on length, and error + response.failed on a failure', () => {
    const length = createResponsesStreamEncoder(context);
    length.push({ type: 'text-delta', index: 0, text: 'Once' });
    const end = parseSse(length.push({ type: 'finish', stopReason: 'length' }));
    expect(end.map((e) => e.event)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    expect((end.at(-1)!.data as any).response.incomplete_details).toEqual({ reason: 'max_output_tokens' });

    const failing = createResponsesStreamEncoder(context);
    failing.push({ type: 'text-delta', index: 0, text: 'Par' });
    const failure = parseSse(failing.push({ type: 'error', message: 'upstream reset' }));
    expect(failure.map((e) => e.data)).toMatchObject([
      { type: 'error', code: 'server_error', message: 'upstream reset', param: null },
      { type: 'response.failed', response: { status: 'failed', error: { message: 'upstream reset' } } },
    ]);
    expect(failing.push({ type: 'finish', stopReason: 'stop' })).toBe('');
    expect(parseSse(createResponsesStreamEncoder(context).end()).map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'error',
      'response.failed',
    ]);
  });

  it('round-trips pivot → SSE → pivot event by event', () => {
    const script: PivotStreamEvent[] = [
      { type: 'start', id: 'resp_gw1', model: 'my-resource' },
      { type: 'reasoning-delta', index: 0, text: 'a' },
      { type: 'block-end', index: 0 },
      { type: 'text-delta', index: 1, text: 'Hi' },
      { type: 'block-end', index: 1 },
      { type: 'tool-call-start', index: 2, id: 'c', name: 'f' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: '{}' },
      { type: 'block-end', index: 2 },
      { type: 'finish', stopReason: 'tool-calls', usage: { inputTokens: 3, outputTokens: 4, cachedInputTokens: 1 } },
    ];
    const encoder = createResponsesStreamEncoder(context);
    const decoder = createResponsesStreamDecoder();
    const back = script.flatMap((e) => parseSse(encoder.push(e)).flatMap((w) => decoder.push(w)));
    const usage = { inputTokens: 3, outputTokens: 4, cachedInputTokens: 1, cacheWriteTokens: 0, reasoningTokens: 0 };
    expect(back).toEqual([...script.slice(0, -1), { type: 'finish', stopReason: 'tool-calls', usage }]);
  });
});
