/**
 * OpenAI Responses `Response` object ⇄ pivot response, plus the pieces the stream codecs share:
 * the response object builder, usage and stop-reason mapping, output item ids.
 *
 * Usage: Responses `input_tokens` already includes `cached_tokens` (and `cache_write_tokens`), which
 * is the pivot's convention, so the numbers map one to one.
 */
import type {
  Response,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseUsage,
} from 'openai/resources/responses/responses';
import type { PivotPart, PivotResponse, PivotUsage, StopReason } from '../../pivot.js';
import { RuntimeError } from '../../../errors.js';
import { isRecord, optNumber, optString, records } from '../wire-read.js';
import { readResponsesUsage } from './usage.js';

/** The Response object as it travels on the wire (`output_text` is added by the SDKs, not sent). */
export type WireResponse = Omit<Response, 'output_text'>;
export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** Decodes a Responses answer; throws when it is not a response object (the pipeline answers 502). */
export function decodeResponsesResponse(body: unknown): PivotResponse {
  if (!isRecord(body) || !Array.isArray(body.output)) {
    throw new RuntimeError('invalid upstream response: not an OpenAI Responses object');
  }
  const content: PivotPart[] = [];
  let refused = false;
  for (const item of records(body.output)) {
    if (item.type === 'message') {
      for (const part of records(item.content)) {
        if (part.type === 'output_text') content.push({ type: 'text', text: optString(part.text) ?? '' });
        if (part.type === 'refusal') {
          refused = true;
          content.push({ type: 'text', text: optString(part.refusal) ?? '' });
        }
      }
    } else if (item.type === 'function_call') {
      content.push({
        type: 'tool-call',
        id: optString(item.call_id) ?? optString(item.id) ?? '',
        name: optString(item.name) ?? '',
        arguments: optString(item.arguments) ?? '',
      });
    } else if (item.type === 'reasoning') {
      const texts = records(item.content).length > 0 ? records(item.content) : records(item.summary);
      const part: PivotPart = { type: 'reasoning', text: texts.map((t) => optString(t.text) ?? '').join('\n\n') };
      const signature = optString(item.encrypted_content);
      if (signature) part.signature = signature;
      content.push(part);
    }
  }
  const hasToolCalls = content.some((p) => p.type === 'tool-call');
  return {
    id: optString(body.id) ?? '',
    model: optString(body.model) ?? '',
    content,
    stopReason: decodeStopReason(body, hasToolCalls, refused),
    usage: readResponsesUsage(body.usage),
  };
}

/** The pivot stop reason of a (final) response object. */
export function decodeStopReason(body: Record<string, unknown>, hasToolCalls: boolean, refused: boolean): StopReason {
  if (body.status === 'incomplete') {
    const reason = isRecord(body.incomplete_details) ? body.incomplete_details.reason : undefined;
    return reason === 'max_output_tokens' ? 'length' : reason === 'content_filter' ? 'content-filter' : 'other';
  }
  if (body.status === 'failed') return 'error';
  if (body.status === 'cancelled') return 'other';
  return hasToolCalls ? 'tool-calls' : refused ? 'refusal' : 'stop';
}

/** Pivot usage → Responses usage; the wire format has no optional numbers, so unknown counts are 0. */
export function encodeUsage(usage: PivotUsage): ResponseUsage {
  const input = usage.inputTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: usage.cachedInputTokens ?? 0,
      cache_write_tokens: usage.cacheWriteTokens ?? 0,
    },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: input + output,
  };
}

/** Stable item ids derived from the response id, so encoding stays a pure function. */
export function itemId(responseId: string, kind: 'msg' | 'fc' | 'rs', outputIndex: number): string {
  return `${kind}_${responseId.replace(/^resp_/, '')}_${outputIndex}`;
}

/** The fields of a Response object; `stopReason` decides status and incomplete details. */
export function responseObject(fields: {
  id: string;
  model: string;
  created: number;
  output: ResponseOutputItem[];
  stopReason?: StopReason;
  usage?: PivotUsage;
  errorMessage?: string;
}): WireResponse {
  const status = responseStatus(fields.stopReason);
  const response: WireResponse = {
    id: fields.id,
    object: 'response',
    created_at: fields.created,
    status,
    error: status === 'failed' ? { code: 'server_error', message: fields.errorMessage ?? 'the model failed' } : null,
    incomplete_details:
      fields.stopReason === 'length'
        ? { reason: 'max_output_tokens' }
        : fields.stopReason === 'content-filter'
          ? { reason: 'content_filter' }
          : null,
    instructions: null,
    metadata: {},
    model: fields.model,
    output: fields.output,
    parallel_tool_calls: true,
    temperature: null,
    tool_choice: 'auto',
    tools: [],
    top_p: null,
  };
  if (fields.usage) response.usage = encodeUsage(fields.usage);
  return response;
}

function responseStatus(stopReason: StopReason | undefined): ResponseStatus {
  if (stopReason === undefined) return 'in_progress';
  if (stopReason === 'length' || stopReason === 'content-filter') return 'incomplete';
  return stopReason === 'error' ? 'failed' : 'completed';
}

/** Encodes a pivot response as a Responses object; `created` defaults to now (unix seconds). */
export function encodeResponsesResponse(
  response: PivotResponse,
  created = Math.floor(Date.now() / 1000),
): WireResponse {
  const output: ResponseOutputItem[] = [];
  let message: ResponseOutputMessage | undefined;
  for (const part of response.content) {
    const index = output.length;
    if (part.type === 'text') {
      if (!message) {
        message = {
          id: itemId(response.id, 'msg', index),
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [],
        };
        output.push(message);
      }
      // A refusal answer is what Responses models as a refusal part.
      message.content.push(
        response.stopReason === 'refusal'
          ? { type: 'refusal', refusal: part.text }
          : { type: 'output_text', text: part.text, annotations: [] },
      );
      continue;
    }
    message = undefined;
    if (part.type === 'tool-call') {
      output.push({
        id: itemId(response.id, 'fc', index),
        type: 'function_call',
        status: 'completed',
        call_id: part.id,
        name: part.name,
        arguments: part.arguments,
      });
    } else if (part.type === 'reasoning') {
      output.push({
        id: itemId(response.id, 'rs', index),
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: part.text }],
        ...(part.signature !== undefined ? { encrypted_content: part.signature } : {}),
      });
    }
  }
  return responseObject({ ...response, created, output, usage: response.usage });
}
