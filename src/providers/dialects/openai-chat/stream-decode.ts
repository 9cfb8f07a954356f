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
  let started = false;
  let done = false;
  let nextIndex = 0;
  let open: { kind: BlockKind; index: number; tool?: number } | undefined;
  const toolBlocks = new Map<number, number>();
  let stopReason: StopReason | undefined;
  let refused = false;
  let usage: PivotUsage | undefined;

  /** Makes `kind` (for tool calls: the call with chat index `tool`) the open block; returns its index. */
  function block(out: PivotStreamEvent[], kind: BlockKind, tool?: number): number {
    if (open && open.kind === kind && open.tool === tool) return open.index;
    close(out);
    open = { kind, index: nextIndex++, ...(tool !== undefined ? { tool } : {}) };
    return open.index;
  }

  function close(out: PivotStreamEvent[]): void {
    if (open) out.push({ type: 'block-end', index: open.index });
    open = undefined;
  }

  function finish(): PivotStreamEvent[] {
    const out: PivotStreamEvent[] = [];
    close(out);
    done = true;
    out.push({ type: 'finish', stopReason: stopReason ?? 'other', ...(usage ? { usage } : {}) });
    return out;
  }

  function toolCall(out: PivotStreamEvent[], raw: unknown, position: number): void {
    const call = asRecord(raw);
    const fn = asRecord(call?.function);
    const key = asNumber(call?.index) ?? position; // a few compatible servers omit `index`
    let index = toolBlocks.get(key);
    if (index === undefined) {
      index = block(out, 'tool', key);
      toolBlocks.set(key, index);
      const id = asString(call?.id) ?? `call_${key}`;
      out.push({ type: 'tool-call-start', index, id, name: asString(fn?.name) ?? '' });
    }
    // Arguments of an earlier call arriving late (interleaved) still go to that call's block.
    const args = asString(fn?.arguments);
    if (args) out.push({ type: 'tool-call-delta', index, argumentsDelta: args });
  }

  return {
    push(event) {
      if (done) return [];
      if (event.event === SSE_DONE_EVENT) return finish();
      const chunk = asRecord(event.data);
      if (!chunk) return [];
      const error = asRecord(chunk.error);
      if (error) {
        done = true;
        return [{ type: 'error', message: asString(error.message) ?? 'upstream stream error' }];
      }
      const out: PivotStreamEvent[] = [];
      if (!started) {
        started = true;
        out.push({ type: 'start', id: asString(chunk.id) ?? '', model: asString(chunk.model) ?? '' });
      }
      usage = chatBodyUsage(chunk) ?? usage;
      const choice = asRecord(asArray(chunk.choices)[0]);
      const delta = asRecord(choice?.delta);
      const reasoning = asString(delta?.reasoning_content) ?? asString(delta?.reasoning);
      if (reasoning) out.push({ type: 'reasoning-delta', index: block(out, 'reasoning'), text: reasoning });
      const content = asString(delta?.content);
      if (content) out.push({ type: 'text-delta', index: block(out, 'text'), text: content });
      const refusal = asString(delta?.refusal);
      if (refusal) {
        refused = true;
        out.push({ type: 'text-delta', index: block(out, 'text'), text: refusal });
      }
      asArray(delta?.tool_calls).forEach((call, position) => toolCall(out, call, position));
      const legacy = asRecord(delta?.function_call);
      if (legacy) toolCall(out, { index: 0, function: legacy }, 0);
      if (choice?.finish_reason !== null && choice?.finish_reason !== undefined) {
        close(out);
        stopReason = refused ? 'refusal' : decodeFinishReason(choice.finish_reason);
      }
      return out;
    },
    end() {
      if (done) return [];
      // Some servers close without [DONE]; a seen finish_reason still makes a complete answer.
      if (stopReason !== undefined) return finish();
      done = true;
      return [{ type: 'error', message: 'openai-chat stream ended before a finish_reason' }];
    },
  };
}
