/**
 * OpenAI Responses stream events → pivot stream events, event by event. The event type is read from
 * the JSON `type` (falling back to the SSE `event:` name). Pivot block indices are handed out in order
 * of first appearance: one per message content part, one per function call, one per reasoning item
 * (its summary parts joined by a blank line, as the response decoder joins them). A function call or
 * text that arrives only in its `.done` event (no deltas) is still emitted as one delta.
 */
import type { PivotStreamEvent, WireEvent } from '../../pivot.js';
import { decodeStopReason } from './response.js';
import { readResponsesUsage } from './usage.js';
import { isRecord, optNumber, optString } from '../wire-read.js';

interface OpenBlock {
  index: number;
  /** Whether any delta was forwarded, so a `.done` with the full text is not sent twice. */
  sent: boolean;
  /** Summary part last written to (reasoning only), to put a separator between parts. */
  part?: number;
}

/** Creates the decoder for one upstream stream. */
export function createResponsesStreamDecoder(): {
  push(event: WireEvent): PivotStreamEvent[];
  end(): PivotStreamEvent[];
} {
  return new ResponsesStreamDecoder();
}

class ResponsesStreamDecoder {
  private nextIndex = 0;
  private done = false;
  private hasToolCalls = false;
  private refused = false;
  /** Open blocks by key: `t:<output>:<content>` text, `f:<output>` function call, `r:<output>` reasoning. */
  private readonly open = new Map<string, OpenBlock>();

  push(event: WireEvent): PivotStreamEvent[] {
    if (this.done || !isRecord(event.data)) return [];
    return this.handle(event.data, optString(event.data.type) ?? event.event);
  }

  end(): PivotStreamEvent[] {
    if (this.done) return [];
    this.done = true;
    return [
      ...this.closeWhere(() => true),
      { type: 'error', message: 'upstream stream ended before response.completed' },
    ];
  }

  private handle(data: Record<string, unknown>, type: string | undefined): PivotStreamEvent[] {
    const out = optNumber(data.output_index) ?? 0;
    const textKey = `t:${out}:${optNumber(data.content_index) ?? 0}`;
    const item = isRecord(data.item) ? data.item : undefined;
    switch (type) {
      case 'response.created': {
        const response = isRecord(data.response) ? data.response : {};
        return [{ type: 'start', id: optString(response.id) ?? '', model: optString(response.model) ?? '' }];
      }
      case 'response.output_item.added':
        if (item?.type !== 'function_call') return [];
        this.hasToolCalls = true;
        return [toolStart(this.block(`f:${out}`).index, item)];
      case 'response.output_text.delta':
        return this.text(textKey, optString(data.delta) ?? '');
      case 'response.refusal.delta':
        this.refused = true;
        return this.text(textKey, optString(data.delta) ?? '');
      case 'response.output_text.done':
        return this.textDone(textKey, optString(data.text));
      case 'response.refusal.done':
        this.refused = true;
        return this.textDone(textKey, optString(data.refusal));
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        return this.reasoning(
          `r:${out}`,
          optNumber(data.summary_index ?? data.content_index) ?? 0,
          optString(data.delta) ?? '',
        );
      case 'response.function_call_arguments.delta':
        return this.argumentsDelta(`f:${out}`, optString(data.delta) ?? '');
      case 'response.function_call_arguments.done':
        return this.argumentsDone(`f:${out}`, optString(data.arguments) ?? '');
      case 'response.output_item.done':
        return this.itemDone(out, item);
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        return this.finish(isRecord(data.response) ? data.response : {});
      case 'error':
        this.done = true;
        return [{ type: 'error', message: optString(data.message) ?? 'upstream stream error' }];
      default:
        return [];
    }
  }

  private block(key: string): OpenBlock {
    let found = this.open.get(key);
    if (!found) this.open.set(key, (found = { index: this.nextIndex++, sent: false }));
    return found;
  }

  private closeKey(key: string): PivotStreamEvent[] {
    const found = this.open.get(key);
    if (!found) return [];
    this.open.delete(key);
    return [{ type: 'block-end', index: found.index }];
  }

  private closeWhere(match: (key: string) => boolean): PivotStreamEvent[] {
    return [...this.open.keys()].filter(match).flatMap((key) => this.closeKey(key));
  }

  private text(key: string, delta: string): PivotStreamEvent[] {
    if (delta === '') return [];
    const found = this.block(key);
    found.sent = true;
    return [{ type: 'text-delta', index: found.index, text: delta }];
  }

  /** `.done` events: emit the whole text if no delta came first, then end the block. */
  private textDone(key: string, full: string | undefined): PivotStreamEvent[] {
    const found = this.open.get(key);
    const missed = !found?.sent && full ? this.text(key, full) : [];
    return [...missed, ...this.closeKey(key)];
  }

  private reasoning(key: string, part: number, delta: string): PivotStreamEvent[] {
    if (delta === '') return [];
    const found = this.block(key);
    const separator = found.part !== undefined && found.part !== part ? '\n\n' : '';
    found.part = part;
    found.sent = true;
    return [{ type: 'reasoning-delta', index: found.index, text: separator + delta }];
  }

  private argumentsDelta(key: string, delta: string): PivotStreamEvent[] {
    const found = this.block(key);
    found.sent ||= delta !== '';
    return delta === '' ? [] : [{ type: 'tool-call-delta', index: found.index, argumentsDelta: delta }];
  }

  private argumentsDone(key: string, args: string): PivotStreamEvent[] {
    const found = this.open.get(key);
    if (!found || found.sent || args === '') return [];
    found.sent = true;
    return [{ type: 'tool-call-delta', index: found.index, argumentsDelta: args }];
  }

  private itemDone(out: number, item: Record<string, unknown> | undefined): PivotStreamEvent[] {
    if (item?.type === 'function_call') {
      const key = `f:${out}`;
      const events: PivotStreamEvent[] = [];
      if (!this.open.has(key)) {
        // A call seen only in its done event: start it here so nothing is lost.
        this.hasToolCalls = true;
        const found = this.block(key);
        events.push(toolStart(found.index, item));
        const args = optString(item.arguments) ?? '';
        if (args !== '') events.push({ type: 'tool-call-delta', index: found.index, argumentsDelta: args });
      }
      return [...events, ...this.closeKey(key)];
    }
    if (item?.type === 'reasoning') {
      const key = `r:${out}`;
      const signature = optString(item.encrypted_content);
      // The signature arrives with the finished item; it belongs to the same pivot block.
      const events: PivotStreamEvent[] = signature
        ? [{ type: 'reasoning-delta', index: this.block(key).index, text: '', signature }]
        : [];
      return [...events, ...this.closeKey(key)];
    }
    return this.closeWhere((key) => key.startsWith(`t:${out}:`));
  }

  private finish(response: Record<string, unknown>): PivotStreamEvent[] {
    this.done = true;
    const events = this.closeWhere(() => true);
    if (response.status === 'failed') {
      const error = isRecord(response.error) ? response.error : {};
      return [...events, { type: 'error', message: optString(error.message) ?? 'the upstream response failed' }];
    }
    const stopReason = decodeStopReason(response, this.hasToolCalls, this.refused);
    return [...events, { type: 'finish', stopReason, usage: readResponsesUsage(response.usage) }];
  }
}

function toolStart(index: number, item: Record<string, unknown>): PivotStreamEvent {
  return { type: 'tool-call-start', index, id: optString(item.call_id) ?? '', name: optString(item.name) ?? '' };
}
