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
  let started = false;
  let terminal = false;
  let usage: PivotUsage = {};
  const blocks = new Map<number, number>();
  const open = new Set<number>();

  const frame = (eventType: string, body: Record<string, unknown>): ConverseStreamFrame => ({
    eventType,
    body,
    messageType: 'event',
  });
  const blockIndex = (pivotIndex: number): number => {
    let index = blocks.get(pivotIndex);
    if (index === undefined) blocks.set(pivotIndex, (index = blocks.size));
    open.add(index);
    return index;
  };
  const delta = (pivotIndex: number, body: Record<string, unknown>): ConverseStreamFrame[] => [
    frame('contentBlockDelta', { contentBlockIndex: blockIndex(pivotIndex), delta: body }),
  ];
  const stop = (index: number): ConverseStreamFrame[] =>
    open.delete(index) ? [frame('contentBlockStop', { contentBlockIndex: index })] : [];
  const fail = (message: string): ConverseStreamFrame[] => {
    terminal = true;
    return [{ eventType: 'modelStreamErrorException', body: { message }, messageType: 'exception' }];
  };

  const handle = (event: PivotStreamEvent): ConverseStreamFrame[] => {
    switch (event.type) {
      case 'start':
        if (event.usage) usage = { ...usage, ...event.usage };
        return [];
      case 'text-delta':
        return event.text === '' ? [] : delta(event.index, { text: event.text });
      case 'reasoning-delta': {
        const frames = event.text === '' ? [] : delta(event.index, { reasoningContent: { text: event.text } });
        // Converse sends the signature as its own delta, after the text.
        if (event.signature !== undefined)
          frames.push(...delta(event.index, { reasoningContent: { signature: event.signature } }));
        return frames;
      }
      case 'tool-call-start': {
        const toolUse = { toolUseId: event.id, name: event.name };
        return [frame('contentBlockStart', { contentBlockIndex: blockIndex(event.index), start: { toolUse } })];
      }
      case 'tool-call-delta':
        return event.argumentsDelta === '' ? [] : delta(event.index, { toolUse: { input: event.argumentsDelta } });
      case 'block-end': {
        const index = blocks.get(event.index);
        return index === undefined ? [] : stop(index);
      }
      case 'finish': {
        if (event.usage) usage = { ...usage, ...event.usage };
        terminal = true;
        return [
          ...[...open].sort((a, b) => a - b).flatMap(stop),
          frame('messageStop', { stopReason: encodeStopReason(event.stopReason) }),
          frame('metadata', { usage: encodeUsage(usage), metrics: { latencyMs: 0 } }),
        ];
      }
      case 'error':
        return fail(event.message);
    }
  };

  const begin = (): ConverseStreamFrame[] => {
    if (started) return [];
    started = true;
    return [frame('messageStart', { role: 'assistant' })];
  };

  return {
    push(event) {
      return terminal ? [] : [...begin(), ...handle(event)];
    },
    end() {
      // A pivot stream that stops without finish or error still has to end visibly for the client.
      return terminal ? [] : [...begin(), ...fail('the stream ended before the response was complete')];
    },
  };
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
