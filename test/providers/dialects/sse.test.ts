import { describe, expect, it } from 'vitest';
import { createSseDecoder, SSE_DONE_EVENT } from '../../../src/providers/dialects/sse-parse.js';
import { SSE_DONE, sseEvent } from '../../../src/providers/dialects/sse.js';
import type { WireEvent } from '../../../src/providers/pivot.js';

function collect() {
  const events: WireEvent[] = [];
  const decoder = createSseDecoder((e) => events.push(e));
  return { events, decoder };
}

describe('sseEvent', () => {
  it('frames data alone, or with an event name', () => {
    expect(sseEvent({ a: 1 })).toBe('data: {"a":1}\n\n');
    expect(sseEvent({ type: 'ping' }, 'ping')).toBe('event: ping\ndata: {"type":"ping"}\n\n');
    expect(SSE_DONE).toBe('data: [DONE]\n\n');
  });

  it('keeps newlines inside strings on one data line', () => {
    const text = sseEvent({ text: 'a\nb\r\n' });
    expect(text.split('\n')).toHaveLength(3);
    const { events, decoder } = collect();
    decoder.push(text);
    expect(events).toEqual([{ data: { text: 'a\nb\r\n' } }]);
  });
});

describe('createSseDecoder', () => {
  it('emits each event as soon as its blank line arrives, with names, JSON data and [DONE]', () => {
    const { events, decoder } = collect();
    decoder.push('event: message_start\ndata: {"type":"message_start"}\n\n');
    expect(events).toEqual([{ event: 'message_start', data: { type: 'message_start' } }]);
    decoder.push('data: {"x":1}\n\n: keep-alive\n\ndata: [DONE]\n\n');
    expect(events.slice(1)).toEqual([{ data: { x: 1 } }, { event: SSE_DONE_EVENT, data: null }]);
  });

  it('reassembles events and UTF-8 characters split across byte chunks', () => {
    const bytes = new TextEncoder().encode('data: {"text":"wörld 🌍"}\r\n\r\ndata: {"n":2}\n\n');
    const { events, decoder } = collect();
    for (let i = 0; i < bytes.length; i += 3) decoder.push(bytes.subarray(i, i + 3));
    decoder.end();
    expect(events).toEqual([{ data: { text: 'wörld 🌍' } }, { data: { n: 2 } }]);
  });

  it('keeps data that is not JSON as text, and joins multi-line data', () => {
    const { events, decoder } = collect();
    decoder.push('event: note\ndata: hello\ndata: there\n\n');
    expect(events).toEqual([{ event: 'note', data: 'hello\nthere' }]);
  });

  it('flushes a last event that lacks its blank line at end()', () => {
    const { events, decoder } = collect();
    decoder.push('data: {"last":true}');
    expect(events).toEqual([]);
    decoder.end();
    expect(events).toEqual([{ data: { last: true } }]);
  });
});
