/**
 * The Bedrock Converse dialect codec (Converse / ConverseStream of `@aws-sdk/client-bedrock-runtime`),
 * between its shapes and the pivot.
 *
 * Conventions:
 * - Usage: Bedrock `inputTokens` excludes cache reads/writes; the pivot's includes them. Decoding adds
 *   `cacheReadInputTokens` + `cacheWriteInputTokens` into inputTokens, encoding subtracts them.
 * - Stop: end_turn/stop_sequence → stop, tool_use → tool-calls, max_tokens and
 *   model_context_window_exceeded → length, guardrail_intervened/content_filtered → content-filter,
 *   anything else → other. Back: stop/refusal/error/other → end_turn.
 * - Bodies are SDK-shaped objects: image bytes are Uint8Array (base64 strings accepted on decode).
 * - Streams: WireEvent `{ event: eventType, data: body }` or `{ data: { [eventType]: body } }` in; the
 *   codec's string encoder writes JSON lines, createConverseFrameEncoder gives event-stream frames.
 * - Converse answers carry no id or model: decoders make `bedrock-<uuid>` ids and leave model ''.
 */
import type { DialectCodec } from '../../pivot.js';
import { decodeConverseRequest } from './request-decode.js';
import { encodeConverseRequest } from './request-encode.js';
import { decodeConverseResponse, encodeConverseResponse } from './response.js';
import { createConverseStreamDecoder } from './stream-decode.js';
import { createConverseStreamEncoder } from './stream-encode.js';

export { decodeConverseRequest } from './request-decode.js';
export { converseRequestJson, encodeConverseRequest } from './request-encode.js';
export { decodeConverseResponse, encodeConverseResponse } from './response.js';
export { converseEventOf, createConverseStreamDecoder } from './stream-decode.js';
export {
  converseStreamFrames,
  createConverseFrameEncoder,
  createConverseStreamEncoder,
  frameToJsonLine,
  type ConverseStreamFrame,
} from './stream-encode.js';

/** The bedrock-converse codec over plain objects (the typed functions above keep the SDK types). */
export const bedrockConverseCodec: DialectCodec = {
  decodeRequest: decodeConverseRequest,
  encodeRequest: (request) => {
    const { value, dropped } = encodeConverseRequest(request);
    return { value: { ...value }, dropped };
  },
  decodeResponse: decodeConverseResponse,
  encodeResponse: (response) => ({ ...encodeConverseResponse(response) }),
  streamDecoder: createConverseStreamDecoder,
  streamEncoder: createConverseStreamEncoder,
};
