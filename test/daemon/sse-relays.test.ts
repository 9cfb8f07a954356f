import { describe, expect, it } from 'vitest';
import { ChatStreamRelay } from '../../src/daemon/pipeline/chat-stream-relay.js';
import { NamedEventRelay } from '../../src/daemon/pipeline/named-event-relay.js';
import { SseFrames } from '../../src/daemon/pipeline/sse-frames.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('SSE frames', () => {
  it('cuts at LF and CRLF blank lines, keeps each event as sent, and holds split UTF-8', () => {
    const frames = new SseFrames();
    const euro = bytes('data: {"t":"€"}\r\n\r\n');
    expect(frames.push(bytes('event: a\ndata: 1\n\nevent: b\r\ndata: 2\r\n\r\n: keep-alive\n'))).toEqual(['event: a\ndata: 1\n\n', 'event: b\r\ndata: 2\r\n\r\n']);
    expect(frames.push(bytes('\n'))).toEqual([': keep-alive\n\n']);
    expect(frames.push(euro.slice(0, 13))).toEqual([]);
    expect(frames.push(euro.slice(13))).toEqual(['data: {"t":"€"}\r\n\r\n']);
    expect(frames.push(bytes('data: [DONE]\r\n'))).toEqual([]);
    expect(frames.end()).toBe('data: [DONE]\n\n');
    expect(frames.end()).toBeUndefined();
  });
});

describe('stream relays with CRLF upstreams', () => {
  it('Anthropic messages: events pass one by one and usage is counted', () => {
    const relay = new NamedEventRelay('anthropic-messages', (final) => ({ final }));
    const stream = [
      'event: message_start\r\ndata: {"type":"message_start","message":{"usage":{"input_tokens":12,"cache_read_input_tokens":3,"output_tokens":1}}}\r\n\r\n',
      'event: content_block_delta\r\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"hi"}}\r\n\r\n',
      'event: message_delta\r\ndata: {"type":"message_delta","usage":{"output_tokens":7}}\r\n\r\n',
      'event: message_stop\r\ndata: {"type":"message_stop"}\r\n\r\n',
    ];
    const out = stream.map((event) => relay.push(bytes(event)));
    expect(out[1]).toBe(stream[1]);
    expect(out[0]).toContain('"vmx":{"final":false}');
    expect(out[3]).toContain('"vmx":{"final":true}');
    expect(relay.usage).toMatchObject({ inputTokens: 15, cachedTokens: 3, outputTokens: 7, totalTokens: 22 });
  });

  it('OpenAI responses: the completed event carries the usage', () => {
    const relay = new NamedEventRelay('openai-responses', () => ({}));
    relay.push(bytes('event: response.created\r\ndata: {"type":"response.created","response":{}}\r\n\r\n'));
    relay.push(bytes('event: response.completed\r\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":5,"output_tokens":2,"total_tokens":7}}}\r\n\r\n'));
    expect(relay.usage).toMatchObject({ inputTokens: 5, outputTokens: 2, totalTokens: 7 });
  });

  it('OpenAI chat: the usage chunk is found', () => {
    const relay = new ChatStreamRelay({ hideUsage: true, envelope: () => ({}) });
    relay.push(bytes('data: {"choices":[{"delta":{"content":"hi"}}]}\r\n\r\n'));
    relay.push(bytes('data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}}\r\n\r\ndata: [DONE]\r\n\r\n'));
    relay.end();
    expect(relay.usage).toMatchObject({ inputTokens: 4, outputTokens: 1, totalTokens: 5 });
  });
});
