/**
 * SSE bytes → `WireEvent`s, for the stream decoders. Parsing is delegated to `eventsource-parser`
 * (line splitting, CRLF, multi-line data, comments); this file only decodes UTF-8 and JSON.
 *
 * Conventions:
 * - `data` is `JSON.parse` of the SSE data; data that is not JSON stays the raw string.
 * - OpenAI's `data: [DONE]` sentinel becomes `{ event: 'done', data: null }`.
 * - `event` is the SSE `event:` name, absent when the server sent none (OpenAI Chat never does).
 * - Comments (`: keep-alive`) and `retry:` fields are ignored.
 */
import { createParser } from 'eventsource-parser';
import type { WireEvent } from '../pivot.js';

/** The `event` name given to OpenAI's `[DONE]` sentinel. */
export const SSE_DONE_EVENT = 'done';

/**
 * A push-based SSE decoder. `push` accepts raw bytes (split anywhere, even inside a UTF-8
 * sequence) or text; `onEvent` is called synchronously for every complete event. `end` flushes a
 * final event that lacked its terminating blank line.
 */
export function createSseDecoder(onEvent: (e: WireEvent) => void): {
  push(chunk: Uint8Array | string): void;
  end(): void;
} {
  // stream: true keeps a multi-byte character split across chunks intact.
  const utf8 = new TextDecoder('utf-8');
  const parser = createParser({
    onEvent(message) {
      if (message.data === '[DONE]') {
        onEvent({ event: SSE_DONE_EVENT, data: null });
        return;
      }
      const wire: WireEvent = { data: parseData(message.data) };
      if (message.event !== undefined) wire.event = message.event;
      onEvent(wire);
    },
  });
  return {
    push(chunk) {
      parser.feed(typeof chunk === 'string' ? chunk : utf8.decode(chunk, { stream: true }));
    },
    end() {
      const rest = utf8.decode();
      if (rest) parser.feed(rest);
      // A last event without its blank line still counts (lenient, unlike the SSE spec): some
      // servers close right after the final data line. Harmless when the stream ended cleanly.
      parser.feed('\n\n');
      parser.reset();
    },
  };
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
