/**
 * A provider's Chat Completions stream (parsed chunks) → pivot events, chunk by chunk.
 *
 * Chat has no content blocks, so the decoder makes them: a run of content deltas is one text block,
 * a run of reasoning deltas one reasoning block, each tool call (by its `index`) one tool-call block;
 * a block ends when another starts or the choice finishes. `finish` is held back until `[DONE]` (or the
 * end of the stream) because the usage chunk (`choices: []`) comes after the `finish_reason` chunk.
 */
import type { PivotStreamEvent, PivotUsage, StopReason, WireEvent } from '../../pivot.js';
import { SSE_DONE_EVENT } from '../sse-parse.js';
import { asArray, asNumber, asRecord, asString } from '../wire-read.js';
import { decodeFinishReason } from './response.js';
import { chatBodyUsage } from './usage.js';

type BlockKind = 'text' | 'reasoning' | 'tool';

/** Creates a decoder for one Chat Completions stream. */
export function chatStreamDecoder(): { push(event: WireEvent): PivotStreamEvent[]; end(): PivotStreamEvent[] } {
  return new ChatStreamDecoder();
}

class ChatStreamDecoder {
  private started = false;
  private done = false;
  private nextIndex = 0;
  private open: { kind: BlockKind; index: number; tool?: number } | undefined;
  /** Chat tool-call index → pivot block index. */
  private readonly toolBlocks = new Map<number, number>();
  private stopReason: StopReason | undefined;
  private refused = false;
  private usage: PivotUsage | undefined;

  push(event: WireEvent): PivotStreamEvent[] {
    if (this.done) return [];
    if (event.event === SSE_DONE_EVENT) return this.finish();
    const chunk = asRecord(event.data);
    if (!chunk) return [];
    const error = asRecord(chunk.error);
    if (error) {
      this.done = true;
      return [{ type: 'error', message: asString(error.message) ?? 'upstream stream error' }];
    }
    const out: PivotStreamEvent[] = [];
    if (!this.started) {
      this.started = true;
      out.push({ type: 'start', id: asString(chunk.id) ?? '', model: asString(chunk.model) ?? '' });
    }
    this.usage = chatBodyUsage(chunk) ?? this.usage;
    this.choice(out, asRecord(asArray(chunk.choices)[0]));
    return out;
  }

  end(): PivotStreamEvent[] {
    if (this.done) return [];
    // Some servers close without [DONE]; a seen finish_reason still makes a complete answer.
    if (this.stopReason !== undefined) return this.finish();
    this.done = true;
    return [{ type: 'error', message: 'openai-chat stream ended before a finish_reason' }];
  }

  private choice(out: PivotStreamEvent[], choice: Record<string, unknown> | undefined): void {
    const delta = asRecord(choice?.delta);
    const reasoning = asString(delta?.reasoning_content) ?? asString(delta?.reasoning);
    if (reasoning) out.push({ type: 'reasoning-delta', index: this.block(out, 'reasoning'), text: reasoning });
    const content = asString(delta?.content);
    if (content) out.push({ type: 'text-delta', index: this.block(out, 'text'), text: content });
    const refusal = asString(delta?.refusal);
    if (refusal) {
      this.refused = true;
      out.push({ type: 'text-delta', index: this.block(out, 'text'), text: refusal });
    }
    asArray(delta?.tool_calls).forEach((call, position) => this.toolCall(out, call, position));
    const legacy = asRecord(delta?.function_call);
    if (legacy) this.toolCall(out, { index: 0, function: legacy }, 0);
    if (choice?.finish_reason !== null && choice?.finish_reason !== undefined) {
      this.close(out);
      this.stopReason = this.refused ? 'refusal' : decodeFinishReason(choice.finish_reason);
    }
  }

  /** Makes `kind` (for tool calls: the call with chat index `tool`) the open block; returns its index. */
  private block(out: PivotStreamEvent[], kind: BlockKind, tool?: number): number {
    if (this.open && this.open.kind === kind && this.open.tool === tool) return this.open.index;
    this.close(out);
    this.open = { kind, index: this.nextIndex++, ...(tool !== undefined ? { tool } : {}) };
    return this.open.index;
  }

  private close(out: PivotStreamEvent[]): void {
    if (this.open) out.push({ type: 'block-end', index: this.open.index });
    this.open = undefined;
  }

  private finish(): PivotStreamEvent[] {
    const out: PivotStreamEvent[] = [];
    this.close(out);
    this.done = true;
    out.push({ type: 'finish', stopReason: this.stopReason ?? 'other', ...(this.usage ? { usage: this.usage } : {}) });
    return out;
  }

  private toolCall(out: PivotStreamEvent[], raw: unknown, position: number): void {
    const call = asRecord(raw);
    const fn = asRecord(call?.function);
    const key = asNumber(call?.index) ?? position; // a few compatible servers omit `index`
    let index = this.toolBlocks.get(key);
    if (index === undefined) {
      index = this.block(out, 'tool', key);
      this.toolBlocks.set(key, index);
      const id = asString(call?.id) ?? `call_${key}`;
      out.push({ type: 'tool-call-start', index, id, name: asString(fn?.name) ?? '' });
    }
    // Arguments of an earlier call arriving late (interleaved) still go to that call's block.
    const args = asString(fn?.arguments);
    if (args) out.push({ type: 'tool-call-delta', index, argumentsDelta: args });
  }
}
