/**
 * The OpenAI Chat Completions codec (`/chat/completions`), assembled from the pure converters in
 * `openai-chat/`.
 *
 * Conventions (the pivot's, applied to Chat):
 * - Usage: pivot `inputTokens` counts EVERY input token, cache reads and writes included. Chat's
 *   `prompt_tokens` already does, so it maps 1:1; `cached_tokens` ⇄ `cachedInputTokens`,
 *   `cache_write_tokens` ⇄ `cacheWriteTokens`, `reasoning_tokens` ⇄ `reasoningTokens`.
 * - Decoding reports what the pivot cannot hold as "openai-chat <field>" in `dropped` (response_format,
 *   seed, n > 1, logprobs, strict tools, image detail …); encoding reports what Chat cannot express
 *   (reasoning / thinking signatures, images or error flags in tool results).
 * - Reasoning is exchanged as `reasoning_content`, the extension DeepSeek, vLLM and others use.
 */
import type { DialectCodec, PivotResponse } from '../../pivot.js';
import { decodeChatRequest } from './request-decode.js';
import { encodeChatRequest } from './request-encode.js';
import { decodeChatResponse, encodeChatResponse } from './response.js';
import { chatStreamDecoder } from './stream-decode.js';
import { chatStreamEncoder, type ChatStreamContext } from './stream-encode.js';

export {
  decodeChatRequest,
  encodeChatRequest,
  decodeChatResponse,
  encodeChatResponse,
  chatStreamDecoder,
  chatStreamEncoder,
};
export type { ChatStreamContext };

/**
 * The Chat codec. Beyond `DialectCodec`: `encodeResponse` takes `{created}` (unix seconds, default now)
 * and `streamEncoder` takes `includeUsage` (send the usage chunk; default false).
 */
export const openaiChatCodec = {
  decodeRequest: decodeChatRequest,
  encodeRequest: encodeChatRequest,
  decodeResponse: decodeChatResponse,
  encodeResponse: (response: PivotResponse, options?: { created?: number }) => encodeChatResponse(response, options),
  streamDecoder: chatStreamDecoder,
  streamEncoder: (context: ChatStreamContext) => chatStreamEncoder(context),
} satisfies DialectCodec;
