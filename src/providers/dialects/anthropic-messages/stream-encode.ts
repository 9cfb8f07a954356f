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
  return new AnthropicStreamEncoder(context);
}

class AnthropicStreamEncoder {
  private started = false;
  private pinged = false;
  private closed = false;
  private nextBlock = 0;
  private open: { pivot: number; wire: number; kind: Kind } | undefined;

  constructor(private readonly context: { id: string; model: string }) {}

  push(event: PivotStreamEvent): string {
    if (this.closed) return '';
    switch (event.type) {
      case 'start':
        return this.start(event.usage);
      case 'text-delta':
        if (!event.text) return '';
        return (
          this.ensure(event.index, 'text', { type: 'text', text: '' }) +
          this.delta({ type: 'text_delta', text: event.text })
        );
      case 'reasoning-delta': {
        let out = this.ensure(event.index, 'thinking', { type: 'thinking', thinking: '', signature: '' });
        if (event.text) out += this.delta({ type: 'thinking_delta', thinking: event.text });
        if (event.signature) out += this.delta({ type: 'signature_delta', signature: event.signature });
        return out;
      }
      case 'tool-call-start':
        return this.ensure(event.index, 'tool_use', { type: 'tool_use', id: event.id, name: event.name, input: {} });
      case 'tool-call-delta':
        // Arguments for a call whose block already stopped cannot be placed: Anthropic has no reopen.
        if (this.open?.pivot !== event.index || this.open.kind !== 'tool_use' || !event.argumentsDelta) return '';
        return this.delta({ type: 'input_json_delta', partial_json: event.argumentsDelta });
      case 'block-end':
        return this.open?.pivot === event.index ? this.stop() : '';
      case 'finish':
        return this.finish(event);
      case 'error':
        return this.error(event.message);
    }
  }

  end(): string {
    return this.closed ? '' : this.error('the upstream stream ended before the answer was complete');
  }

  private start(usage: PivotUsage = {}): string {
    if (this.started) return '';
    this.started = true;
    const message = {
      id: this.context.id,
      type: 'message',
      role: 'assistant',
      model: this.context.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: encodeAnthropicUsage(usage),
    };
    return emit('message_start', { message });
  }

  private stop(): string {
    if (!this.open) return '';
    const out = emit('content_block_stop', { index: this.open.wire });
    this.open = undefined;
    return out;
  }

  /** Makes pivot block `pivot` the open block, starting it as `block` when it is not. */
  private ensure(pivot: number, kind: Kind, block: Record<string, unknown>): string {
    if (this.open?.pivot === pivot && this.open.kind === kind) return '';
    let out = this.start() + this.stop();
    this.open = { pivot, wire: this.nextBlock++, kind };
    out += emit('content_block_start', { index: this.open.wire, content_block: block });
    if (!this.pinged) {
      this.pinged = true;
      out += emit('ping');
    }
    return out;
  }

  private delta(delta: Record<string, unknown>): string {
    return emit('content_block_delta', { index: this.open?.wire ?? 0, delta });
  }

  private finish(event: Extract<PivotStreamEvent, { type: 'finish' }>): string {
    this.closed = true;
    const usage = encodeAnthropicUsage(event.usage ?? {});
    if (event.usage?.inputTokens === undefined) delete usage.input_tokens; // unknown: keep message_start's
    const out =
      this.start() +
      this.stop() +
      emit('message_delta', {
        delta: { stop_reason: encodeStopReason(event.stopReason), stop_sequence: null },
        usage,
      });
    return out + emit('message_stop');
  }

  private error(message: string): string {
    this.closed = true;
    // The daemon's Anthropic error body (HTTP.md "Errors"); the SDK raises it as an APIError.
    return sseEvent({ type: 'error', error: { type: 'api_error', message } }, 'error');
  }
}

function emit(type: string, payload: Record<string, unknown> = {}): string {
  return sseEvent({ type, ...payload }, type);
}
