/**
 * Bedrock ConverseStream events → pivot stream events, event by event.
 *
 * WireEvent convention (both forms accepted):
 * - `{ event: '<eventType>', data: <member body> }`: an AWS event-stream frame, `:event-type` header
 *   plus its JSON body, e.g. `{ event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { text: 'Hi' } } }`;
 * - `{ data: { contentBlockDelta: {...} } }`: one union member exactly as the AWS SDK's `stream` yields it.
 * Exceptions (`internalServerException`, `modelStreamErrorException`, `throttlingException`, …) become
 * a pivot `error`.
 *
 * Converse block indices are already unique and increasing, so they are the pivot indices. Text and
 * reasoning blocks open with their first delta (Converse sends contentBlockStart for tool use only).
 * `messageStop` carries the stop reason and `metadata` (which follows it) the usage, so `finish` is
 * emitted at `metadata`, or at `end()` when metadata never came.
 */
import { randomUUID } from 'node:crypto';
import type { PivotStreamEvent, PivotUsage, StopReason, WireEvent } from '../../pivot.js';
import { decodeStopReason, decodeUsage } from './response.js';
import { isRecord, optNumber, optString } from '../wire-read.js';

/** Splits a WireEvent into the Converse event type and its body, whichever form it came in. */
export function converseEventOf(wire: WireEvent): { type: string; body: Record<string, unknown> } | undefined {
  if (!isRecord(wire.data)) return undefined;
  if (wire.event !== undefined) return { type: wire.event, body: wire.data };
  const [type, ...others] = Object.keys(wire.data);
  const body = type !== undefined ? wire.data[type] : undefined;
  return type !== undefined && others.length === 0 && isRecord(body) ? { type, body } : undefined;
}

/** Creates the decoder for one ConverseStream. */
export function createConverseStreamDecoder(): {
  push(event: WireEvent): PivotStreamEvent[];
  end(): PivotStreamEvent[];
} {
  return new ConverseStreamDecoder();
}

class ConverseStreamDecoder {
  private started = false;
  private done = false;
  private stopReason: StopReason | undefined;
  private usage: PivotUsage | undefined;
  private readonly open = new Set<number>();

  push(wire: WireEvent): PivotStreamEvent[] {
    if (this.done) return [];
    const event = converseEventOf(wire);
    if (!event) return [];
    return [...this.start(), ...this.handle(event.type, event.body)];
  }

  end(): PivotStreamEvent[] {
    if (this.done) return [];
    if (this.stopReason !== undefined) return [...this.start(), ...this.finish()];
    this.done = true;
    return [
      ...this.start(),
      ...this.closeAll(),
      { type: 'error', message: 'upstream stream ended before messageStop' },
    ];
  }

  private handle(type: string, body: Record<string, unknown>): PivotStreamEvent[] {
    const index = optNumber(body.contentBlockIndex) ?? 0;
    switch (type) {
      case 'messageStart':
        return [];
      case 'contentBlockStart':
        return this.blockStart(index, body.start);
      case 'contentBlockDelta': {
        const events = deltaEvents(index, isRecord(body.delta) ? body.delta : {});
        // A block is open once something was said in it, so an empty block ends silently.
        if (events.length > 0) this.open.add(index);
        return events;
      }
      case 'contentBlockStop':
        if (!this.open.delete(index)) return [];
        return [{ type: 'block-end', index }];
      case 'messageStop':
        this.stopReason = decodeStopReason(body.stopReason);
        return [];
      case 'metadata':
        this.usage = decodeUsage(body.usage);
        return this.stopReason !== undefined ? this.finish() : [];
      default:
        if (!type.endsWith('Exception')) return [];
        this.done = true;
        return [{ type: 'error', message: `${type}: ${optString(body.message) ?? 'upstream stream error'}` }];
    }
  }

  private blockStart(index: number, start: unknown): PivotStreamEvent[] {
    const toolUse = isRecord(start) && isRecord(start.toolUse) ? start.toolUse : undefined;
    if (!toolUse) return [];
    this.open.add(index);
    return [
      {
        type: 'tool-call-start',
        index,
        id: optString(toolUse.toolUseId) ?? '',
        name: optString(toolUse.name) ?? '',
      },
    ];
  }

  private start(): PivotStreamEvent[] {
    if (this.started) return [];
    this.started = true;
    // Converse streams carry no id or model; the pipeline, which knows the model, names the response.
    return [{ type: 'start', id: `bedrock-${randomUUID()}`, model: '' }];
  }

  private closeAll(): PivotStreamEvent[] {
    const events = [...this.open]
      .sort((a, b) => a - b)
      .map((index): PivotStreamEvent => ({ type: 'block-end', index }));
    this.open.clear();
    return events;
  }

  private finish(): PivotStreamEvent[] {
    this.done = true;
    const event: PivotStreamEvent = { type: 'finish', stopReason: this.stopReason ?? 'other' };
    if (this.usage) event.usage = this.usage;
    return [...this.closeAll(), event];
  }
}

function deltaEvents(index: number, body: Record<string, unknown>): PivotStreamEvent[] {
  const text = optString(body.text);
  if (text !== undefined) return text === '' ? [] : [{ type: 'text-delta', index, text }];
  if (isRecord(body.toolUse)) {
    const input = optString(body.toolUse.input) ?? '';
    return input === '' ? [] : [{ type: 'tool-call-delta', index, argumentsDelta: input }];
  }
  if (isRecord(body.reasoningContent)) {
    const reasoning = body.reasoningContent;
    const event: PivotStreamEvent = { type: 'reasoning-delta', index, text: optString(reasoning.text) ?? '' };
    const signature = optString(reasoning.signature);
    if (signature !== undefined) event.signature = signature;
    // Redacted reasoning has no pivot form; an event with neither text nor signature says nothing.
    return event.text === '' && signature === undefined ? [] : [event];
  }
  return [];
}
