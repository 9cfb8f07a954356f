/**
 * The Anthropic Messages codec (`/anthropic/messages`), assembled from the pure converters in
 * `anthropic-messages/`.
 *
 * Conventions (the pivot's, applied to Messages):
 * - Usage: pivot `inputTokens` counts EVERY input token, cache reads and writes included (as OpenAI's
 *   `prompt_tokens` does). Anthropic's `input_tokens` excludes both, so decoding adds
 *   `cache_read_input_tokens` and `cache_creation_input_tokens`, and encoding subtracts them again.
 * - `max_tokens` is required by Anthropic: encoding defaults it to 4096 and says so in `dropped`.
 * - Tool results: one pivot `tool` message per result ⇄ all `tool_result` blocks of a turn in one user
 *   message; consecutive same-role messages are merged, as Anthropic requires alternation.
 * - Tool-call arguments that are not a JSON object → `input: {}`, reported in `dropped`.
 * - Decoding reports what the pivot cannot hold as "anthropic <feature>" in `dropped` (cache_control,
 *   thinking config, top_k, server tools, documents, redacted thinking, citations …).
 */
import type { DialectCodec } from '../../pivot.js';
import { decodeAnthropicRequest } from './request-decode.js';
import { DEFAULT_ANTHROPIC_MAX_TOKENS, encodeAnthropicRequest } from './request-encode.js';
import { decodeAnthropicResponse, encodeAnthropicResponse } from './response.js';
import { anthropicStreamDecoder } from './stream-decode.js';
import { anthropicStreamEncoder } from './stream-encode.js';

export {
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  decodeAnthropicRequest,
  encodeAnthropicRequest,
  decodeAnthropicResponse,
  encodeAnthropicResponse,
  anthropicStreamDecoder,
  anthropicStreamEncoder,
};

/** The Messages codec. */
export const anthropicMessagesCodec = {
  decodeRequest: decodeAnthropicRequest,
  encodeRequest: encodeAnthropicRequest,
  decodeResponse: decodeAnthropicResponse,
  encodeResponse: encodeAnthropicResponse,
  streamDecoder: anthropicStreamDecoder,
  streamEncoder: anthropicStreamEncoder,
} satisfies DialectCodec;
