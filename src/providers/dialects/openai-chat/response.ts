/**
 * OpenAI `chat.completion` objects ⇄ pivot responses, plus the finish-reason and usage mappings the
 * stream codecs share.
 *
 * Usage: OpenAI's `prompt_tokens` already INCLUDES cached tokens, which is the pivot convention
 * (`inputTokens` = every input token, cache reads and writes included), so the numbers map 1:1;
 * `cached_tokens` is the cache-read share, `cache_write_tokens` the cache-write share,
 * `reasoning_tokens` the reasoning share of `completion_tokens`.
 */
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { RuntimeError } from '../../../errors.js';
import type { PivotPart, PivotResponse, PivotUsage, StopReason } from '../../pivot.js';
import { asArray, asRecord, asString } from '../wire-read.js';
import { chatBodyUsage } from './usage.js';

type FinishReason = ChatCompletion.Choice['finish_reason'];

/** Chat `finish_reason` → pivot stop reason (`function_call` is the legacy name of `tool_calls`). */
export function decodeFinishReason(reason: unknown): StopReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** Pivot stop reason → Chat `finish_reason`; a refusal is `stop` (the text goes in `refusal`). */
export function encodeFinishReason(reason: StopReason): FinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool-calls':
      return 'tool_calls';
    case 'content-filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Pivot usage → Chat `usage`; unknown totals are sent as 0 because Chat requires the numbers. */
export function encodeChatUsage(usage: PivotUsage): CompletionUsage {
  const prompt = usage.inputTokens ?? 0;
  const completion = usage.outputTokens ?? 0;
  const out: CompletionUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (usage.cachedInputTokens !== undefined || usage.cacheWriteTokens !== undefined) {
    out.prompt_tokens_details = {};
    if (usage.cachedInputTokens !== undefined) out.prompt_tokens_details.cached_tokens = usage.cachedInputTokens;
    if (usage.cacheWriteTokens !== undefined) out.prompt_tokens_details.cache_write_tokens = usage.cacheWriteTokens;
  }
  if (usage.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return out;
}

/**
 * Decodes a provider's `chat.completion` (first choice). `reasoning_content` / `reasoning`, which
 * DeepSeek, vLLM, Groq and Ollama add to the message, become reasoning parts. A message with a
 * `refusal` stops with `refusal` and carries the refusal text. Throws RuntimeError when the body is
 * not a chat completion (the adapter treats that as an invalid upstream response).
 */
export function decodeChatResponse(raw: unknown): PivotResponse {
  const body = asRecord(raw);
  const choice = asRecord(asArray(body?.choices)[0]);
  const message = asRecord(choice?.message);
  if (!body || !message) throw new RuntimeError('invalid openai-chat response: no choices[0].message');
  const content: PivotPart[] = [];
  const reasoning = asString(message.reasoning_content) ?? asString(message.reasoning);
  if (reasoning) content.push({ type: 'reasoning', text: reasoning });
  const text = asString(message.content);
  if (text) content.push({ type: 'text', text });
  const refusal = asString(message.refusal);
  if (refusal) content.push({ type: 'text', text: refusal });
  for (const rawCall of asArray(message.tool_calls)) {
    const call = asRecord(rawCall);
    const fn = asRecord(call?.function);
    if (!call || !fn) continue;
    content.push({
      type: 'tool-call',
      id: asString(call.id) ?? '',
      name: asString(fn.name) ?? '',
      arguments: asString(fn.arguments) ?? '',
    });
  }
  return {
    id: asString(body.id) ?? '',
    model: asString(body.model) ?? '',
    content,
    stopReason: refusal ? 'refusal' : decodeFinishReason(choice?.finish_reason),
    usage: chatBodyUsage(body) ?? {},
  };
}

/**
 * Encodes a pivot response as a `chat.completion`. `created` defaults to now (seconds); pass it to
 * stay pure. Reasoning goes in `message.reasoning_content`, the de-facto extension clients of
 * reasoning models read; Anthropic thinking signatures have no place and are left out.
 */
export function encodeChatResponse(
  response: PivotResponse,
  options: { created?: number } = {},
): Record<string, unknown> {
  const texts = response.content.filter((p) => p.type === 'text').map((p) => p.text);
  const reasoning = response.content.filter((p) => p.type === 'reasoning').map((p) => p.text);
  const toolCalls = response.content
    .filter((p) => p.type === 'tool-call')
    .map((p) => ({ id: p.id, type: 'function' as const, function: { name: p.name, arguments: p.arguments } }));
  const refused = response.stopReason === 'refusal';
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: refused || (texts.length === 0 && toolCalls.length > 0) ? null : texts.join('\n'),
    refusal: refused ? texts.join('\n') : null,
  };
  if (reasoning.length > 0) message.reasoning_content = reasoning.join('\n');
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const body: Record<string, unknown> = {
    id: response.id,
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: response.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: encodeFinishReason(response.stopReason) }],
  };
  if (response.usage.inputTokens !== undefined || response.usage.outputTokens !== undefined) {
    body.usage = encodeChatUsage(response.usage);
  }
  return body;
}
