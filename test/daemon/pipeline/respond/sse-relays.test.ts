import { describe, expect, it } from 'vitest';
import { ChatStreamRelay } from '../../../../src/daemon/pipeline/respond/chat-stream-relay.js';
import { NamedEventRelay } from '../../../../src/daemon/pipeline/respond/named-event-relay.js';
import { SseFrames } from '../../../../src/daemon/pipeline/respond/sse-frames.js';
import { dialects } from '../../../../src/providers/dialects/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('SSE frames', () => {
  it('cuts at LF and CRLF blank lines, keeps each event as sent, and holds split UTF-8', () => {
    const frames = new SseFrames();
    const euro = bytes('data: {"t":"€"}\r\n\r\n');
    expect(frames.push(bytes('event: a\ndata: 1\n\nevent: b\r\ndata: 2\r\n\r\n: keep-alive\n'))).toEqual([
      'event: a\ndata: 1\n\n',
      'event: b\r\ndata: 2\r\n\r\n',
    ]);
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
    const relay = new NamedEventRelay(dialects['anthropic-messages'].events, (final) => ({ final }));
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
    expect(relay.usage).toEqual({ inputTokens: 15, cachedInputTokens: 3, outputTokens: 7 });
    expect(relay.complete).toBe(true);
  });

  it('OpenAI responses: the completed event carries the usage', () => {
    const relay = new NamedEventRelay(dialects['openai-responses'].events, () => ({}));
    relay.push(bytes('event: response.created\r\ndata: {"type":"response.created","response":{}}\r\n\r\n'));
    relay.push(
      bytes(
        'event: response.completed\r\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":5,"output_tokens":2,"total_tokens":7}}}\r\n\r\n',
      ),
    );
    expect(relay.usage).toEqual({ inputTokens: 5, outputTokens: 2 });
    expect(relay.complete).toBe(true);
  });

  it('OpenAI chat: the usage chunk is found', () => {
    const relay = new ChatStreamRelay({ hideUsage: true, envelope: () => ({}) });
    relay.push(bytes('data: {"choices":[{"delta":{"content":"hi"}}]}\r\n\r\n'));
    relay.push(
      bytes(
        'data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}}\r\n\r\ndata: [DONE]\r\n\r\n',
      ),
    );
    relay.end();
    expect(relay.usage).toEqual({ inputTokens: 4, outputTokens: 1 });
    expect(relay.complete).toBe(true);
  });
});

describe('the chat relay writes every event on arrival', () => {
  const chunk = (fields: object) =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', ...fields })}\n\n`;
  const delta = (content: string) =>
    chunk({ choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null });

  it('each delta goes out when it arrives; the envelope rides on the first event and on the usage chunk', () => {
    const relay = new ChatStreamRelay({ hideUsage: true, envelope: (final) => ({ final }) });
    const first = relay.push(
      bytes(
        chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null }),
      ),
    );
    expect(first).toContain('"vmx":{"final":false}');
    expect(relay.push(bytes(delta('one')))).toBe(delta('one'));
    expect(relay.push(bytes(delta('two')))).toBe(delta('two'));
    const usage = relay.push(
      bytes(chunk({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } })),
    );
    expect(JSON.parse(usage.slice(6))).toEqual({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [],
      vmx: { final: true },
    });
    expect(relay.push(bytes('data: [DONE]\n\n'))).toBe('data: [DONE]\n\n');
    expect(relay.usage).toEqual({ inputTokens: 4, outputTokens: 2 });
  });

  it("the first event keeps the provider's own JSON text, the envelope added as its last member", () => {
    const relay = new ChatStreamRelay({ hideUsage: true, envelope: (final) => ({ final }) });
    const first = 'data: {"id": "c1", "choices": [{"delta": {"content": "a}"}}]}\n\n';
    expect(relay.push(bytes(first))).toBe(
      'data: {"id": "c1", "choices": [{"delta": {"content": "a}"}}],"vmx":{"final":false}}\n\n',
    );
    // Nothing to splice into: an empty object, or no object at all, goes out as it came.
    for (const odd of ['data: {}\n\n', 'data: [1]\n\n']) {
      const other = new ChatStreamRelay({ hideUsage: true, envelope: () => ({}) });
      expect(other.push(bytes(odd))).toBe(odd);
    }
  });

  it('a client that asked for usage sees it; cache writes are read as on the converted path', () => {
    const relay = new ChatStreamRelay({ hideUsage: false, envelope: () => ({}) });
    relay.push(bytes(delta('hi')));
    const usage = {
      prompt_tokens: 100,
      completion_tokens: 5,
      total_tokens: 105,
      prompt_tokens_details: { cached_tokens: 20, cache_write_tokens: 30 },
    };
    expect(relay.push(bytes(chunk({ choices: [], usage })))).toContain('"prompt_tokens":100');
    expect(relay.usage).toEqual({ inputTokens: 100, outputTokens: 5, cachedInputTokens: 20, cacheWriteTokens: 30 });
  });

  it('a stream without a usage chunk gets a closing chunk with the envelope before [DONE]', () => {
    const relay = new ChatStreamRelay({ hideUsage: true, envelope: (final) => ({ final }) });
    relay.push(bytes(delta('hi')));
    relay.push(bytes(chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })));
    const out = relay.push(bytes('data: [DONE]\n\n'));
    const [closing, done] = out.split('\n\n');
    expect(JSON.parse(closing!.slice(6))).toEqual({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [],
      vmx: { final: true },
    });
    expect(done).toBe('data: [DONE]');
  });

  it('without [DONE] the stream is not complete; an error chunk is reported and its credentials blanked', () => {
    const relay = new ChatStreamRelay({
      hideUsage: true,
      envelope: () => ({}),
      redact: (text) => text.replaceAll('sk-secret-1234', '****'),
    });
    relay.push(bytes(delta('hi')));
    const error = relay.push(bytes('data: {"error":{"message":"bad key sk-secret-1234"}}\n\n'));
    expect(error).toBe('data: {"error":{"message":"bad key ****"}}\n\n');
    expect(relay.failure).toBe('bad key sk-secret-1234');
    expect(relay.complete).toBe(false);
  });
});

describe('named-event relays know the end of a stream', () => {
  it('a Responses stream is complete at response.completed; an Anthropic one at message_stop, and an error event is a failure', () => {
    const responses = new NamedEventRelay(dialects['openai-responses'].events, () => ({}));
    responses.push(bytes('event: response.created\ndata: {"type":"response.created","response":{}}\n\n'));
    expect(responses.complete).toBe(false);
    responses.push(
      bytes(
        'event: response.completed\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":9,"output_tokens":1,"input_tokens_details":{"cached_tokens":4}}}}\n\n',
      ),
    );
    expect(responses.complete).toBe(true);
    expect(responses.usage).toEqual({ inputTokens: 9, outputTokens: 1, cachedInputTokens: 4 });

    const messages = new NamedEventRelay(
      dialects['anthropic-messages'].events,
      () => ({}),
      (text) => text.replaceAll('sk-ant-0000', '****'),
    );
    messages.push(
      bytes(
        'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\n\n',
      ),
    );
    const error = messages.push(
      bytes(
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded sk-ant-0000"}}\n\n',
      ),
    );
    expect(error).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded ****"}}\n\n',
    );
    expect(messages.failure).toBe('Overloaded sk-ant-0000');
    expect(messages.complete).toBe(false);
  });
});
