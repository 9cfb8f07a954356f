/**
 * A provider's Messages stream (parsed SSE events) → pivot events, event by event. Pivot block
 * indexes are Anthropic's own `index`. Blocks the pivot cannot hold (redacted thinking, server tool
 * use and results) are skipped with their deltas. `finish` goes out on `message_delta`, which carries
 * the stop reason and the final usage; `message_stop` then adds nothing.
 */
import type { PivotStreamEvent, PivotUsage, WireEvent } from '../../pivot.js';
import { asNumber, asRecord, asString } from '../wire-read.js';
import { decodeStopReason } from './response.js';
import { readAnthropicUsage } from './usage.js';

/** Creates a decoder for one Messages stream. */
export function anthropicStreamDecoder(): { push(event: WireEvent): PivotStreamEvent[]; end(): PivotStreamEvent[] } {
  return new AnthropicStreamDecoder();
}

class AnthropicStreamDecoder {
  /** Indexes of the blocks being relayed (the skipped ones are absent). */
  private readonly relayed = new Set<number>();
  private usage: PivotUsage = {};
  private done = false;

  push(event: WireEvent): PivotStreamEvent[] {
    return this.done ? [] : this.decode(event);
  }

  end(): PivotStreamEvent[] {
    if (this.done) return [];
    this.done = true;
    return [{ type: 'error', message: 'anthropic-messages stream ended before message_delta' }];
  }

  private decode(event: WireEvent): PivotStreamEvent[] {
    const data = asRecord(event.data);
    // The data's `type` is authoritative; the SSE event name repeats it.
    switch (data?.type) {
      case 'message_start': {
        const message = asRecord(data.message);
        this.usage = readAnthropicUsage(message?.usage);
        return [
          { type: 'start', id: asString(message?.id) ?? '', model: asString(message?.model) ?? '', usage: this.usage },
        ];
      }
      case 'content_block_start':
        return this.blockStart(asNumber(data.index) ?? 0, asRecord(data.content_block));
      case 'content_block_delta': {
        const index = asNumber(data.index) ?? 0;
        return this.relayed.has(index) ? blockDelta(index, asRecord(data.delta)) : [];
      }
      case 'content_block_stop': {
        const index = asNumber(data.index) ?? 0;
        return this.relayed.delete(index) ? [{ type: 'block-end', index }] : [];
      }
      case 'message_delta':
        this.done = true;
        this.usage = readAnthropicUsage(data.usage, this.usage);
        return [{ type: 'finish', stopReason: decodeStopReason(asRecord(data.delta)?.stop_reason), usage: this.usage }];
      case 'message_stop':
        if (this.done) return [];
        this.done = true;
        return [{ type: 'finish', stopReason: 'other', usage: this.usage }];
      case 'error': {
        this.done = true;
        const error = asRecord(data.error);
        return [
          { type: 'error', message: asString(error?.message) ?? asString(error?.type) ?? 'upstream stream error' },
        ];
      }
      default:
        return []; // ping, and event types added later
    }
  }

  private blockStart(index: number, block: Record<string, unknown> | undefined): PivotStreamEvent[] {
    switch (block?.type) {
      case 'text': {
        this.relayed.add(index);
        const text = asString(block.text);
        return text ? [{ type: 'text-delta', index, text }] : [];
      }
      case 'thinking': {
        this.relayed.add(index);
        const text = asString(block.thinking);
        return text ? [{ type: 'reasoning-delta', index, text }] : [];
      }
      case 'tool_use':
        this.relayed.add(index);
        // `input` is `{}` here; the arguments arrive as input_json_delta pieces.
        return [{ type: 'tool-call-start', index, id: asString(block.id) ?? '', name: asString(block.name) ?? '' }];
      default:
        return [];
    }
  }
}

function blockDelta(index: number, delta: Record<string, unknown> | undefined): PivotStreamEvent[] {
  switch (delta?.type) {
    case 'text_delta':
      return [{ type: 'text-delta', index, text: asString(delta.text) ?? '' }];
    case 'thinking_delta':
      return [{ type: 'reasoning-delta', index, text: asString(delta.thinking) ?? '' }];
    case 'signature_delta':
      return [{ type: 'reasoning-delta', index, text: '', signature: asString(delta.signature) ?? '' }];
    case 'input_json_delta': {
      const piece = asString(delta.partial_json);
      return piece ? [{ type: 'tool-call-delta', index, argumentsDelta: piece }] : [];
    }
    default:
      return []; // citations_delta and later additions
  }
}
