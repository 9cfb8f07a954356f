/**
 * Anthropic `message` objects ⇄ pivot responses, plus the stop-reason and usage mappings the stream
 * codecs share.
 *
 * Usage: Anthropic's `input_tokens` EXCLUDES cache reads and writes; the pivot's `inputTokens`
 * includes them (as OpenAI's `prompt_tokens` does). So decoding adds
 * `input_tokens + cache_read_input_tokens + cache_creation_input_tokens`, and encoding subtracts the
 * cache shares back out (never below 0).
 */
import type { StopReason as AnthropicStopReason } from '@anthropic-ai/sdk/resources/messages';
import { RuntimeError } from '../../../errors.js';
import type { PivotPart, PivotResponse, PivotUsage, StopReason } from '../../pivot.js';
import { asArray, asNumber, asRecord, asString, parseJsonObject } from '../wire-read.js';
import { readAnthropicUsage } from './usage.js';

/** Anthropic `stop_reason` → pivot (`pause_turn`, a server-tool pause, has no pivot twin: `other`). */
export function decodeStopReason(reason: unknown): StopReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'refusal';
    default:
      return 'other';
  }
}

/** Pivot stop reason → Anthropic (a content filter is a refusal; `stop` is `end_turn`, the sequence is not kept). */
export function encodeStopReason(reason: StopReason): AnthropicStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool-calls':
      return 'tool_use';
    case 'refusal':
    case 'content-filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Pivot usage → Anthropic `usage` (input without the cache shares). */
export function encodeAnthropicUsage(usage: PivotUsage): Record<string, unknown> {
  const read = usage.cachedInputTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  const out: Record<string, unknown> = {
    input_tokens: Math.max(0, (usage.inputTokens ?? 0) - read - write),
    output_tokens: usage.outputTokens ?? 0,
  };
  if (usage.cacheWriteTokens !== undefined) out.cache_creation_input_tokens = usage.cacheWriteTokens;
  if (usage.cachedInputTokens !== undefined) out.cache_read_input_tokens = usage.cachedInputTokens;
  if (usage.reasoningTokens !== undefined) out.output_tokens_details = { thinking_tokens: usage.reasoningTokens };
  return out;
}

/**
 * Decodes a provider's `message`. Blocks the pivot cannot hold (redacted thinking, server tool use
 * and results) are skipped. Throws RuntimeError when the body is not a message (the adapter treats
 * that as an invalid upstream response).
 */
export function decodeAnthropicResponse(raw: unknown): PivotResponse {
  const body = asRecord(raw);
  if (!body || !Array.isArray(body.content)) throw new RuntimeError('invalid anthropic-messages response: no content');
  const content: PivotPart[] = [];
  for (const rawBlock of asArray(body.content)) {
    const block = asRecord(rawBlock);
    if (block?.type === 'text') content.push({ type: 'text', text: asString(block.text) ?? '' });
    else if (block?.type === 'thinking') {
      const signature = asString(block.signature);
      content.push({ type: 'reasoning', text: asString(block.thinking) ?? '', ...(signature ? { signature } : {}) });
    } else if (block?.type === 'tool_use') {
      content.push({
        type: 'tool-call',
        id: asString(block.id) ?? '',
        name: asString(block.name) ?? '',
        arguments: JSON.stringify(block.input ?? {}),
      });
    }
  }
  return {
    id: asString(body.id) ?? '',
    model: asString(body.model) ?? '',
    content,
    stopReason: decodeStopReason(body.stop_reason),
    usage: readAnthropicUsage(body.usage),
  };
}

/**
 * Encodes a pivot response as a `message`. Reasoning without a signature still goes out as a
 * thinking block (signature `""`) so the client sees it; tool-call arguments that are not a JSON
 * object become `input: {}`.
 */
export function encodeAnthropicResponse(response: PivotResponse): Record<string, unknown> {
  const content = response.content.flatMap((part): Array<Record<string, unknown>> => {
    switch (part.type) {
      case 'text':
        return [{ type: 'text', text: part.text }];
      case 'reasoning':
        return [{ type: 'thinking', thinking: part.text, signature: part.signature ?? '' }];
      case 'tool-call':
        return [
          { type: 'tool_use', id: part.id, name: part.name, input: parseJsonObject(part.arguments || '{}') ?? {} },
        ];
      case 'image':
        return [];
    }
  });
  return {
    id: response.id,
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: encodeStopReason(response.stopReason),
    stop_sequence: null,
    usage: encodeAnthropicUsage(response.usage),
  };
}
