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

/** Creates the encoder for one response; `context` names the response the client sees. */
export function createResponsesStreamEncoder(context: { id: string; model: string; created: number }): {
  push(event: PivotStreamEvent): string;
  end(): string;
} {
  let sequence = 0;
  let started = false;
  let terminal = false;
  let usage: PivotUsage = {};
  const output: ResponseOutputItem[] = [];
  const open = new Map<number, Block>();

  const emit = (type: string, fields: Record<string, unknown>): string =>
    sseEvent({ type, sequence_number: sequence++, ...fields }, type);

  const snapshot = (stopReason?: StopReason, errorMessage?: string) =>
    responseObject({
      ...context,
      output,
      ...(stopReason !== undefined ? { stopReason, usage } : {}),
      ...(errorMessage !== undefined ? { errorMessage } : {}),
    });

  const start = (): string => {
    if (started) return '';
    started = true;
    const response = snapshot();
    return emit('response.created', { response }) + emit('response.in_progress', { response });
  };

  const addItem = (item: ResponseOutputItem): number => {
    output.push(item);
    return output.length - 1;
  };

  const openText = (index: number): { block: Block; out: string } => {
    const outputIndex = output.length;
    const item: ResponseOutputMessage = {
      id: itemId(context.id, 'msg', outputIndex),
      type: 'message',
      role: 'assistant',
      status: 'in_progress',
      content: [],
    };
    addItem(item);
    let out = emit('response.output_item.added', { output_index: outputIndex, item });
    const part: ResponseOutputText = { type: 'output_text', text: '', annotations: [] };
    out += emit('response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part });
    item.content.push(part);
    const block: Block = { kind: 'text', outputIndex, item, part };
    open.set(index, block);
    return { block, out };
  };

  const openReasoning = (index: number): { block: Block; out: string } => {
    const outputIndex = output.length;
    const item: ResponseReasoningItem = { id: itemId(context.id, 'rs', outputIndex), type: 'reasoning', summary: [] };
    addItem(item);
    let out = emit('response.output_item.added', { output_index: outputIndex, item });
    out += emit('response.reasoning_summary_part.added', {
      item_id: item.id,
      output_index: outputIndex,
      summary_index: 0,
      part: { type: 'summary_text', text: '' },
    });
    const block: Block = { kind: 'reasoning', outputIndex, item, text: '' };
    open.set(index, block);
    return { block, out };
  };

  const close = (index: number): string => {
    const block = open.get(index);
    if (!block) return '';
    open.delete(index);
    const ids = { item_id: block.item.id, output_index: block.outputIndex };
    let out = '';
    if (block.kind === 'text') {
      out += emit('response.output_text.done', { ...ids, content_index: 0, text: block.part.text, logprobs: [] });
      out += emit('response.content_part.done', { ...ids, content_index: 0, part: block.part });
    } else if (block.kind === 'reasoning') {
      const part = { type: 'summary_text' as const, text: block.text };
      out += emit('response.reasoning_summary_text.done', { ...ids, summary_index: 0, text: block.text });
      out += emit('response.reasoning_summary_part.done', { ...ids, summary_index: 0, part });
      block.item.summary.push(part);
    } else {
      const { name, arguments: args } = block.item;
      out += emit('response.function_call_arguments.done', { ...ids, name, arguments: args });
    }
    block.item.status = 'completed';
    return out + emit('response.output_item.done', { output_index: block.outputIndex, item: block.item });
  };

  const closeAll = (): string => [...open.keys()].sort((a, b) => a - b).reduce((out, index) => out + close(index), '');

  const handle = (event: PivotStreamEvent): string => {
    switch (event.type) {
      case 'start':
        if (event.usage) usage = { ...usage, ...event.usage };
        return '';
      case 'text-delta': {
        const existing = open.get(event.index);
        const { block, out } = existing ? { block: existing, out: '' } : openText(event.index);
        if (block.kind !== 'text' || event.text === '') return out;
        block.part.text += event.text;
        const ids = { item_id: block.item.id, output_index: block.outputIndex, content_index: 0 };
        return out + emit('response.output_text.delta', { ...ids, delta: event.text, logprobs: [] });
      }
      case 'reasoning-delta': {
        const existing = open.get(event.index);
        const { block, out } = existing ? { block: existing, out: '' } : openReasoning(event.index);
        if (block.kind !== 'reasoning') return out;
        if (event.signature !== undefined) block.item.encrypted_content = event.signature;
        if (event.text === '') return out;
        block.text += event.text;
        const ids = { item_id: block.item.id, output_index: block.outputIndex, summary_index: 0 };
        return out + emit('response.reasoning_summary_text.delta', { ...ids, delta: event.text });
      }
      case 'tool-call-start': {
        const outputIndex = output.length;
        const item: ResponseFunctionToolCall = {
          id: itemId(context.id, 'fc', outputIndex),
          type: 'function_call',
          status: 'in_progress',
          call_id: event.id,
          name: event.name,
          arguments: '',
        };
        addItem(item);
        open.set(event.index, { kind: 'tool', outputIndex, item });
        return emit('response.output_item.added', { output_index: outputIndex, item });
      }
      case 'tool-call-delta': {
        const block = open.get(event.index);
        if (block?.kind !== 'tool' || event.argumentsDelta === '') return '';
        block.item.arguments += event.argumentsDelta;
        const ids = { item_id: block.item.id, output_index: block.outputIndex };
        return emit('response.function_call_arguments.delta', { ...ids, delta: event.argumentsDelta });
      }
      case 'block-end':
        return close(event.index);
      case 'finish': {
        if (event.usage) usage = { ...usage, ...event.usage };
        const out = closeAll();
        terminal = true;
        const response = snapshot(event.stopReason);
        const type =
          response.status === 'incomplete'
            ? 'response.incomplete'
            : response.status === 'failed'
              ? 'response.failed'
              : 'response.completed';
        return out + emit(type, { response });
      }
      case 'error':
        return fail(event.message);
    }
  };

  /** A failure mid-stream: the `error` event HTTP.md promises, then response.failed to end the lifecycle. */
  const fail = (message: string): string => {
    terminal = true;
    for (const block of open.values()) block.item.status = 'incomplete';
    open.clear();
    const out = emit('error', { code: 'server_error', message, param: null });
    return out + emit('response.failed', { response: snapshot('error', message) });
  };

  return {
    push(event) {
      if (terminal) return '';
      return start() + handle(event);
    },
    end() {
      if (terminal) return '';
      // The pivot stream stopped without finish or error: the client must still see the end.
      return start() + fail('the upstream stream ended before the response was complete');
    },
  };
}
