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
  let nextIndex = 0;
  let done = false;
  let hasToolCalls = false;
  let refused = false;
  const open = new Map<string, OpenBlock>();

  const block = (key: string): OpenBlock => {
    let found = open.get(key);
    if (!found) open.set(key, (found = { index: nextIndex++, sent: false }));
    return found;
  };
  const closeKey = (key: string): PivotStreamEvent[] => {
    const found = open.get(key);
    if (!found) return [];
    open.delete(key);
    return [{ type: 'block-end', index: found.index }];
  };
  const closeWhere = (match: (key: string) => boolean): PivotStreamEvent[] =>
    [...open.keys()].filter(match).flatMap(closeKey);

  const text = (key: string, delta: string): PivotStreamEvent[] => {
    if (delta === '') return [];
    const found = block(key);
    found.sent = true;
    return [{ type: 'text-delta', index: found.index, text: delta }];
  };
  /** `.done` events: emit the whole text if no delta came first, then end the block. */
  const textDone = (key: string, full: string | undefined): PivotStreamEvent[] => {
    const found = open.get(key);
    const missed = !found?.sent && full ? text(key, full) : [];
    return [...missed, ...closeKey(key)];
  };

  const handle = (data: Record<string, unknown>, type: string | undefined): PivotStreamEvent[] => {
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
        hasToolCalls = true;
        return [toolStart(block(`f:${out}`).index, item)];
      case 'response.output_text.delta':
        return text(textKey, optString(data.delta) ?? '');
      case 'response.refusal.delta':
        refused = true;
        return text(textKey, optString(data.delta) ?? '');
      case 'response.output_text.done':
        return textDone(textKey, optString(data.text));
      case 'response.refusal.done':
        refused = true;
        return textDone(textKey, optString(data.refusal));
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        return reasoning(
          `r:${out}`,
          optNumber(data.summary_index ?? data.content_index) ?? 0,
          optString(data.delta) ?? '',
        );
      case 'response.function_call_arguments.delta': {
        const found = block(`f:${out}`);
        const delta = optString(data.delta) ?? '';
        found.sent ||= delta !== '';
        return delta === '' ? [] : [{ type: 'tool-call-delta', index: found.index, argumentsDelta: delta }];
      }
      case 'response.function_call_arguments.done': {
        const found = open.get(`f:${out}`);
        const args = optString(data.arguments) ?? '';
        if (!found || found.sent || args === '') return [];
        found.sent = true;
        return [{ type: 'tool-call-delta', index: found.index, argumentsDelta: args }];
      }
      case 'response.output_item.done':
        return itemDone(out, item);
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        return finish(isRecord(data.response) ? data.response : {});
      case 'error':
        done = true;
        return [{ type: 'error', message: optString(data.message) ?? 'upstream stream error' }];
      default:
        return [];
    }
  };

  const reasoning = (key: string, part: number, delta: string): PivotStreamEvent[] => {
    if (delta === '') return [];
    const found = block(key);
    const separator = found.part !== undefined && found.part !== part ? '\n\n' : '';
    found.part = part;
    found.sent = true;
    return [{ type: 'reasoning-delta', index: found.index, text: separator + delta }];
  };

  const itemDone = (out: number, item: Record<string, unknown> | undefined): PivotStreamEvent[] => {
    if (item?.type === 'function_call') {
      const key = `f:${out}`;
      const events: PivotStreamEvent[] = [];
      if (!open.has(key)) {
        // A call seen only in its done event: start it here so nothing is lost.
        hasToolCalls = true;
        const found = block(key);
        events.push(toolStart(found.index, item));
        const args = optString(item.arguments) ?? '';
        if (args !== '') events.push({ type: 'tool-call-delta', index: found.index, argumentsDelta: args });
      }
      return [...events, ...closeKey(key)];
    }
    if (item?.type === 'reasoning') {
      const key = `r:${out}`;
      const signature = optString(item.encrypted_content);
      // The signature arrives with the finished item; it belongs to the same pivot block.
      const events: PivotStreamEvent[] = signature
        ? [{ type: 'reasoning-delta', index: block(key).index, text: '', signature }]
        : [];
      return [...events, ...closeKey(key)];
    }
    return closeWhere((key) => key.startsWith(`t:${out}:`));
  };

  const finish = (response: Record<string, unknown>): PivotStreamEvent[] => {
    done = true;
    const events = closeWhere(() => true);
    if (response.status === 'failed') {
      const error = isRecord(response.error) ? response.error : {};
      return [...events, { type: 'error', message: optString(error.message) ?? 'the upstream response failed' }];
    }
    const stopReason = decodeStopReason(response, hasToolCalls, refused);
    return [...events, { type: 'finish', stopReason, usage: readResponsesUsage(response.usage) }];
  };

  return {
    push(event) {
      if (done || !isRecord(event.data)) return [];
      return handle(event.data, optString(event.data.type) ?? event.event);
    },
    end() {
      if (done) return [];
      done = true;
      return [...closeWhere(() => true), { type: 'error', message: 'upstream stream ended before response.completed' }];
    },
  };
}

function toolStart(index: number, item: Record<string, unknown>): PivotStreamEvent {
  return { type: 'tool-call-start', index, id: optString(item.call_id) ?? '', name: optString(item.name) ?? '' };
}
