/**
 * Pivot events → the client's Messages SSE text, event by event, in Anthropic's order:
 * message_start → content_block_start → ping (once, after the first block start, as Anthropic does)
 * → content_block_delta… → content_block_stop → … → message_delta → message_stop.
 * Anthropic blocks never interleave and are numbered 0, 1, 2 …, so a block still open when another
 * begins is stopped first, and pivot indexes are renumbered.
 */
import type { PivotStreamEvent, PivotUsage } from '../../pivot.js';
import { sseEvent } from '../sse.js';
import { encodeAnthropicUsage, encodeStopReason } from './response.js';

type Kind = 'text' | 'thinking' | 'tool_use';

/**
 * Creates an encoder for one Messages stream. `message_start` carries the context's id and model (the
 * pipeline's choice) and the `start` event's usage. `message_delta` carries the final usage: output
 * tokens always, input and cache counts when known (the SDK overwrites its snapshot with them).
 * An `error` becomes `event: error` and closes the stream; `end()` without `finish` or `error`
 * reports an error too, so a cut-off answer never looks complete.
 */
export function anthropicStreamEncoder(context: { id: string; model: string; created?: number }): {
  push(event: PivotStreamEvent): string;
  end(): string;
} {
  let started = false;
  let pinged = false;
  let closed = false;
  let nextBlock = 0;
  let open: { pivot: number; wire: number; kind: Kind } | undefined;

  const emit = (type: string, payload: Record<string, unknown> = {}) => sseEvent({ type, ...payload }, type);

  function start(usage: PivotUsage = {}): string {
    if (started) return '';
    started = true;
    const message = {
      id: context.id,
      type: 'message',
      role: 'assistant',
      model: context.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: encodeAnthropicUsage(usage),
    };
    return emit('message_start', { message });
  }

  function stop(): string {
    if (!open) return '';
    const out = emit('content_block_stop', { index: open.wire });
    open = undefined;
    return out;
  }

  /** Makes pivot block `pivot` the open block, starting it as `block` when it is not. */
  function ensure(pivot: number, kind: Kind, block: Record<string, unknown>): string {
    if (open?.pivot === pivot && open.kind === kind) return '';
    let out = start() + stop();
    open = { pivot, wire: nextBlock++, kind };
    out += emit('content_block_start', { index: open.wire, content_block: block });
    if (!pinged) {
      pinged = true;
      out += emit('ping');
    }
    return out;
  }

  const delta = (delta: Record<string, unknown>) => emit('content_block_delta', { index: open?.wire ?? 0, delta });

  function finish(event: Extract<PivotStreamEvent, { type: 'finish' }>): string {
    closed = true;
    const usage = encodeAnthropicUsage(event.usage ?? {});
    if (event.usage?.inputTokens === undefined) delete usage.input_tokens; // unknown: keep message_start's
    const out =
      start() +
      stop() +
      emit('message_delta', {
        delta: { stop_reason: encodeStopReason(event.stopReason), stop_sequence: null },
        usage,
      });
    return out + emit('message_stop');
  }

  function error(message: string): string {
    closed = true;
    // The daemon's Anthropic error body (HTTP.md "Errors"); the SDK raises it as an APIError.
    return sseEvent({ type: 'error', error: { type: 'api_error', message } }, 'error');
  }

  return {
    push(event) {
      if (closed) return '';
      switch (event.type) {
        case 'start':
          return start(event.usage);
        case 'text-delta':
          if (!event.text) return '';
          return (
            ensure(event.index, 'text', { type: 'text', text: '' }) + delta({ type: 'text_delta', text: event.text })
          );
        case 'reasoning-delta': {
          let out = ensure(event.index, 'thinking', { type: 'thinking', thinking: '', signature: '' });
          if (event.text) out += delta({ type: 'thinking_delta', thinking: event.text });
          if (event.signature) out += delta({ type: 'signature_delta', signature: event.signature });
          return out;
        }
        case 'tool-call-start':
          return ensure(event.index, 'tool_use', { type: 'tool_use', id: event.id, name: event.name, input: {} });
        case 'tool-call-delta':
          // Arguments for a call whose block already stopped cannot be placed: Anthropic has no reopen.
          if (open?.pivot !== event.index || open.kind !== 'tool_use' || !event.argumentsDelta) return '';
          return delta({ type: 'input_json_delta', partial_json: event.argumentsDelta });
        case 'block-end':
          return open?.pivot === event.index ? stop() : '';
        case 'finish':
          return finish(event);
        case 'error':
          return error(event.message);
      }
    },
    end() {
      return closed ? '' : error('the upstream stream ended before the answer was complete');
    },
  };
}
