/**
 * Pivot stream events → Bedrock ConverseStream events, event by event. Converse streams are AWS
 * event-stream binary frames, not SSE, so the structured encoder returns frames (`eventType` +
 * JSON `body` + `messageType`) for a caller that frames them (e.g. test fakes with
 * @smithy/eventstream-codec); the DialectCodec string encoder returns the same events as JSON
 * lines in the SDK's union shape (`{"contentBlockDelta":{…}}\n`).
 *
 * Order: messageStart → per block (contentBlockStart for tool use) contentBlockDelta… →
 * contentBlockStop → messageStop {stopReason} → metadata {usage, metrics}. Pivot indices may have
 * gaps; Converse block indices are renumbered 0, 1, 2 … in order of first appearance.
 */
import type { PivotStreamEvent, PivotUsage } from '../../pivot.js';
import { encodeStopReason, encodeUsage } from './response.js';

/** One ConverseStream event as an event-stream frame would carry it. */
export interface ConverseStreamFrame {
  /** The `:event-type` header (for an exception, the `:exception-type` header). */
  eventType: string;
  /** The frame's JSON body: the fields of that event member. */
  body: Record<string, unknown>;
  /** The `:message-type` header: 'event', or 'exception' for a failure. */
  messageType: 'event' | 'exception';
}

/** Creates a structured encoder: pivot events in, ConverseStream frames out. */
export function createConverseFrameEncoder(): {
  push(event: PivotStreamEvent): ConverseStreamFrame[];
  end(): ConverseStreamFrame[];
} {
  return new ConverseFrameEncoder();
}

class ConverseFrameEncoder {
  private started = false;
  private terminal = false;
  private usage: PivotUsage = {};
  /** Pivot index → Converse block index. */
  private readonly blocks = new Map<number, number>();
  /** Converse block indices started and not yet stopped. */
  private readonly open = new Set<number>();

  push(event: PivotStreamEvent): ConverseStreamFrame[] {
    return this.terminal ? [] : [...this.begin(), ...this.handle(event)];
  }

  end(): ConverseStreamFrame[] {
    // A pivot stream that stops without finish or error still has to end visibly for the client.
    return this.terminal ? [] : [...this.begin(), ...this.fail('the stream ended before the response was complete')];
  }

  private handle(event: PivotStreamEvent): ConverseStreamFrame[] {
    switch (event.type) {
      case 'start':
        if (event.usage) this.usage = { ...this.usage, ...event.usage };
        return [];
      case 'text-delta':
        return event.text === '' ? [] : this.delta(event.index, { text: event.text });
      case 'reasoning-delta': {
        const frames = event.text === '' ? [] : this.delta(event.index, { reasoningContent: { text: event.text } });
        // Converse sends the signature as its own delta, after the text.
        if (event.signature !== undefined)
          frames.push(...this.delta(event.index, { reasoningContent: { signature: event.signature } }));
        return frames;
      }
      case 'tool-call-start': {
        const toolUse = { toolUseId: event.id, name: event.name };
        return [frame('contentBlockStart', { contentBlockIndex: this.blockIndex(event.index), start: { toolUse } })];
      }
      case 'tool-call-delta':
        return event.argumentsDelta === '' ? [] : this.delta(event.index, { toolUse: { input: event.argumentsDelta } });
      case 'block-end': {
        const index = this.blocks.get(event.index);
        return index === undefined ? [] : this.stop(index);
      }
      case 'finish':
        return this.finish(event);
      case 'error':
        return this.fail(event.message);
    }
  }

  private begin(): ConverseStreamFrame[] {
    if (this.started) return [];
    this.started = true;
    return [frame('messageStart', { role: 'assistant' })];
  }

  private blockIndex(pivotIndex: number): number {
    let index = this.blocks.get(pivotIndex);
    if (index === undefined) this.blocks.set(pivotIndex, (index = this.blocks.size));
    this.open.add(index);
    return index;
  }

  private delta(pivotIndex: number, body: Record<string, unknown>): ConverseStreamFrame[] {
    return [frame('contentBlockDelta', { contentBlockIndex: this.blockIndex(pivotIndex), delta: body })];
  }

  private stop(index: number): ConverseStreamFrame[] {
    return this.open.delete(index) ? [frame('contentBlockStop', { contentBlockIndex: index })] : [];
  }

  private finish(event: Extract<PivotStreamEvent, { type: 'finish' }>): ConverseStreamFrame[] {
    if (event.usage) this.usage = { ...this.usage, ...event.usage };
    this.terminal = true;
    return [
      ...[...this.open].sort((a, b) => a - b).flatMap((index) => this.stop(index)),
      frame('messageStop', { stopReason: encodeStopReason(event.stopReason) }),
      frame('metadata', { usage: encodeUsage(this.usage), metrics: { latencyMs: 0 } }),
    ];
  }

  private fail(message: string): ConverseStreamFrame[] {
    this.terminal = true;
    return [{ eventType: 'modelStreamErrorException', body: { message }, messageType: 'exception' }];
  }
}

function frame(eventType: string, body: Record<string, unknown>): ConverseStreamFrame {
  return { eventType, body, messageType: 'event' };
}

/** All frames for a whole pivot stream (for fakes that answer with a canned stream). */
export function converseStreamFrames(events: Iterable<PivotStreamEvent>): ConverseStreamFrame[] {
  const encoder = createConverseFrameEncoder();
  const frames: ConverseStreamFrame[] = [];
  for (const event of events) frames.push(...encoder.push(event));
  return [...frames, ...encoder.end()];
}

/** A frame in the AWS SDK's union shape, `{ [eventType]: body }`, as one JSON line. */
export function frameToJsonLine(frame: ConverseStreamFrame): string {
  return `${JSON.stringify({ [frame.eventType]: frame.body })}\n`;
}

/**
 * The DialectCodec stream encoder: JSON lines (see frameToJsonLine). `context` is unused because
 * Converse streams carry no id, model or timestamp.
 */
export function createConverseStreamEncoder(_context?: { id: string; model: string; created: number }): {
  push(event: PivotStreamEvent): string;
  end(): string;
} {
  const frames = createConverseFrameEncoder();
  return {
    push: (event) => frames.push(event).map(frameToJsonLine).join(''),
    end: () => frames.end().map(frameToJsonLine).join(''),
  };
}
