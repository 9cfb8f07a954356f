/**
 * Pivot stream events → OpenAI Responses SSE, event by event (`event: <type>` + `data: {"type",
 * "sequence_number", …}`). Order: response.created → response.in_progress → per output item
 * output_item.added → (message: content_part.added → output_text.delta… → output_text.done →
 * content_part.done | function_call: function_call_arguments.delta… → .done | reasoning:
 * reasoning_summary_part.added → reasoning_summary_text.delta… → .done → reasoning_summary_part.done)
 * → output_item.done → … → one terminal event carrying the assembled response: response.completed,
 * response.incomplete (length, content filter; what OpenAI sends for those) or, after an `error`
 * event, response.failed.
 *
 * Every pivot text block is its own message item, closed at its block-end, so the client sees
 * output_item.done as soon as the block ends. Reasoning is sent as a summary (what Responses
 * clients display); its Anthropic signature travels in `encrypted_content`, the dialect's opaque
 * field, which the request decoder maps back.
 */
import type {
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseOutputText,
  ResponseReasoningItem,
} from 'openai/resources/responses/responses';
import type { PivotStreamEvent, PivotUsage, StopReason } from '../../pivot.js';
import { sseEvent } from '../sse.js';
import { itemId, responseObject } from './response.js';

type Block =
  | { kind: 'text'; outputIndex: number; item: ResponseOutputMessage; part: ResponseOutputText }
  | { kind: 'reasoning'; outputIndex: number; item: ResponseReasoningItem; text: string }
  | { kind: 'tool'; outputIndex: number; item: ResponseFunctionToolCall };

type Context = { id: string; model: string; created: number };

/** Creates the encoder for one response; `context` names the response the client sees. */
export function createResponsesStreamEncoder(context: Context): {
  push(event: PivotStreamEvent): string;
  end(): string;
} {
  return new ResponsesStreamEncoder(context);
}

class ResponsesStreamEncoder {
  private sequence = 0;
  private started = false;
  private terminal = false;
  private usage: PivotUsage = {};
  private readonly output: ResponseOutputItem[] = [];
  /** Pivot block index → its output item, while the block is open. */
  private readonly open = new Map<number, Block>();

  constructor(private readonly context: Context) {}

  push(event: PivotStreamEvent): string {
    if (this.terminal) return '';
    return this.start() + this.handle(event);
  }

  end(): string {
    if (this.terminal) return '';
    // The pivot stream stopped without finish or error: the client must still see the end.
    return this.start() + this.fail('the upstream stream ended before the response was complete');
  }

  private handle(event: PivotStreamEvent): string {
    switch (event.type) {
      case 'start':
        if (event.usage) this.usage = { ...this.usage, ...event.usage };
        return '';
      case 'text-delta':
        return this.textDelta(event.index, event.text);
      case 'reasoning-delta':
        return this.reasoningDelta(event);
      case 'tool-call-start':
        return this.toolCallStart(event);
      case 'tool-call-delta': {
        const block = this.open.get(event.index);
        if (block?.kind !== 'tool' || event.argumentsDelta === '') return '';
        block.item.arguments += event.argumentsDelta;
        const ids = { item_id: block.item.id, output_index: block.outputIndex };
        return this.emit('response.function_call_arguments.delta', { ...ids, delta: event.argumentsDelta });
      }
      case 'block-end':
        return this.close(event.index);
      case 'finish':
        return this.finish(event);
      case 'error':
        return this.fail(event.message);
    }
  }

  private emit(type: string, fields: Record<string, unknown>): string {
    return sseEvent({ type, sequence_number: this.sequence++, ...fields }, type);
  }

  private snapshot(stopReason?: StopReason, errorMessage?: string) {
    return responseObject({
      ...this.context,
      output: this.output,
      ...(stopReason !== undefined ? { stopReason, usage: this.usage } : {}),
      ...(errorMessage !== undefined ? { errorMessage } : {}),
    });
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    const response = this.snapshot();
    return this.emit('response.created', { response }) + this.emit('response.in_progress', { response });
  }

  private textDelta(index: number, text: string): string {
    const existing = this.open.get(index);
    const { block, out } = existing ? { block: existing, out: '' } : this.openText(index);
    if (block.kind !== 'text' || text === '') return out;
    block.part.text += text;
    const ids = { item_id: block.item.id, output_index: block.outputIndex, content_index: 0 };
    return out + this.emit('response.output_text.delta', { ...ids, delta: text, logprobs: [] });
  }

  private reasoningDelta(event: Extract<PivotStreamEvent, { type: 'reasoning-delta' }>): string {
    const existing = this.open.get(event.index);
    const { block, out } = existing ? { block: existing, out: '' } : this.openReasoning(event.index);
    if (block.kind !== 'reasoning') return out;
    if (event.signature !== undefined) block.item.encrypted_content = event.signature;
    if (event.text === '') return out;
    block.text += event.text;
    const ids = { item_id: block.item.id, output_index: block.outputIndex, summary_index: 0 };
    return out + this.emit('response.reasoning_summary_text.delta', { ...ids, delta: event.text });
  }

  private toolCallStart(event: Extract<PivotStreamEvent, { type: 'tool-call-start' }>): string {
    const outputIndex = this.output.length;
    const item: ResponseFunctionToolCall = {
      id: itemId(this.context.id, 'fc', outputIndex),
      type: 'function_call',
      status: 'in_progress',
      call_id: event.id,
      name: event.name,
      arguments: '',
    };
    this.output.push(item);
    this.open.set(event.index, { kind: 'tool', outputIndex, item });
    return this.emit('response.output_item.added', { output_index: outputIndex, item });
  }

  private openText(index: number): { block: Block; out: string } {
    const outputIndex = this.output.length;
    const item: ResponseOutputMessage = {
      id: itemId(this.context.id, 'msg', outputIndex),
      type: 'message',
      role: 'assistant',
      status: 'in_progress',
      content: [],
    };
    this.output.push(item);
    let out = this.emit('response.output_item.added', { output_index: outputIndex, item });
    const part: ResponseOutputText = { type: 'output_text', text: '', annotations: [] };
    const ids = { item_id: item.id, output_index: outputIndex, content_index: 0 };
    out += this.emit('response.content_part.added', { ...ids, part });
    item.content.push(part);
    const block: Block = { kind: 'text', outputIndex, item, part };
    this.open.set(index, block);
    return { block, out };
  }

  private openReasoning(index: number): { block: Block; out: string } {
    const outputIndex = this.output.length;
    const item: ResponseReasoningItem = {
      id: itemId(this.context.id, 'rs', outputIndex),
      type: 'reasoning',
      summary: [],
    };
    this.output.push(item);
    let out = this.emit('response.output_item.added', { output_index: outputIndex, item });
    out += this.emit('response.reasoning_summary_part.added', {
      item_id: item.id,
      output_index: outputIndex,
      summary_index: 0,
      part: { type: 'summary_text', text: '' },
    });
    const block: Block = { kind: 'reasoning', outputIndex, item, text: '' };
    this.open.set(index, block);
    return { block, out };
  }

  private close(index: number): string {
    const block = this.open.get(index);
    if (!block) return '';
    this.open.delete(index);
    const ids = { item_id: block.item.id, output_index: block.outputIndex };
    let out = '';
    if (block.kind === 'text') {
      out += this.emit('response.output_text.done', { ...ids, content_index: 0, text: block.part.text, logprobs: [] });
      out += this.emit('response.content_part.done', { ...ids, content_index: 0, part: block.part });
    } else if (block.kind === 'reasoning') {
      const part = { type: 'summary_text' as const, text: block.text };
      out += this.emit('response.reasoning_summary_text.done', { ...ids, summary_index: 0, text: block.text });
      out += this.emit('response.reasoning_summary_part.done', { ...ids, summary_index: 0, part });
      block.item.summary.push(part);
    } else {
      const { name, arguments: args } = block.item;
      out += this.emit('response.function_call_arguments.done', { ...ids, name, arguments: args });
    }
    block.item.status = 'completed';
    return out + this.emit('response.output_item.done', { output_index: block.outputIndex, item: block.item });
  }

  private finish(event: Extract<PivotStreamEvent, { type: 'finish' }>): string {
    if (event.usage) this.usage = { ...this.usage, ...event.usage };
    const out = [...this.open.keys()].sort((a, b) => a - b).reduce((out, index) => out + this.close(index), '');
    this.terminal = true;
    const response = this.snapshot(event.stopReason);
    const type =
      response.status === 'incomplete'
        ? 'response.incomplete'
        : response.status === 'failed'
          ? 'response.failed'
          : 'response.completed';
    return out + this.emit(type, { response });
  }

  /** A failure mid-stream: the `error` event HTTP.md promises, then response.failed to end the lifecycle. */
  private fail(message: string): string {
    this.terminal = true;
    for (const block of this.open.values()) block.item.status = 'incomplete';
    this.open.clear();
    const out = this.emit('error', { code: 'server_error', message, param: null });
    return out + this.emit('response.failed', { response: this.snapshot('error', message) });
  }
}
