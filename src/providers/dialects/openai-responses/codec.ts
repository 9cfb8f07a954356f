/**
 * The OpenAI Responses dialect codec (`/responses`), between its wire shapes and the pivot.
 *
 * Conventions:
 * - Usage: Responses `input_tokens` includes cached tokens, like the pivot, so counts map 1:1
 *   (`input_tokens_details.cached_tokens` ⇄ cachedInputTokens, `.cache_write_tokens` ⇄
 *   cacheWriteTokens, `output_tokens_details.reasoning_tokens` ⇄ reasoningTokens).
 * - Stop: status `completed` → stop / tool-calls / refusal; `incomplete` with `max_output_tokens` →
 *   length, with `content_filter` → content-filter; `failed` → error.
 * - Reasoning: encoded as a summary; the pivot `signature` rides in `encrypted_content`.
 * - Requests to OpenAI are sent with `store: false` and function tools with `strict: false`.
 */
import type { DialectCodec } from '../../pivot.js';
import { decodeResponsesRequest } from './request-decode.js';
import { encodeResponsesRequest } from './request-encode.js';
import { decodeResponsesResponse, encodeResponsesResponse } from './response.js';
import { createResponsesStreamDecoder } from './stream-decode.js';
import { createResponsesStreamEncoder } from './stream-encode.js';

export { decodeResponsesRequest } from './request-decode.js';
export { encodeResponsesRequest } from './request-encode.js';
export { decodeResponsesResponse, encodeResponsesResponse, type WireResponse } from './response.js';
export { createResponsesStreamDecoder } from './stream-decode.js';
export { createResponsesStreamEncoder } from './stream-encode.js';

/** The openai-responses codec. Bodies are plain JSON objects, as parsed from / sent on the wire. */
export const openaiResponsesCodec: DialectCodec = {
  decodeRequest: decodeResponsesRequest,
  encodeRequest: (request) => {
    const { value, dropped } = encodeResponsesRequest(request);
    return { value: { ...value }, dropped };
  },
  decodeResponse: decodeResponsesResponse,
  encodeResponse: (response) => ({ ...encodeResponsesResponse(response) }),
  streamDecoder: createResponsesStreamDecoder,
  streamEncoder: createResponsesStreamEncoder,
};
