/**
 * Bedrock Converse response ⇄ pivot response, with the usage and stop-reason mappings the stream
 * codecs share.
 *
 * Usage: Bedrock's `inputTokens` EXCLUDES prompt-cache reads and writes (reported apart as
 * `cacheReadInputTokens` / `cacheWriteInputTokens`, like Anthropic), while the pivot's inputTokens
 * counts ALL input (OpenAI's convention). Decoding adds the cache counts in; encoding takes them out.
 * Bedrock's `totalTokens` is everything: input + output + cache read + cache write.
 */
import { randomUUID } from 'node:crypto';
import type {
  ContentBlock,
  ConverseResponse,
  StopReason as ConverseStopReason,
  TokenUsage,
} from '@aws-sdk/client-bedrock-runtime';
import type { PivotResponse, PivotUsage, StopReason } from '../../pivot.js';
import { RuntimeError } from '../../../errors.js';
import { decodeBlock } from './request-decode.js';
import { base64ToBytes, isRecord, optNumber, optString, records } from '../wire-read.js';

const STOP_REASONS: Record<string, StopReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'tool-calls',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  guardrail_intervened: 'content-filter',
  content_filtered: 'content-filter',
};

/** Converse stopReason → pivot; unknown and malformed_* reasons are 'other'. */
export function decodeStopReason(reason: unknown): StopReason {
  return (typeof reason === 'string' ? STOP_REASONS[reason] : undefined) ?? 'other';
}

/** Pivot stop reason → Converse; reasons Converse has no word for end the turn normally. */
export function encodeStopReason(reason: StopReason): ConverseStopReason {
  switch (reason) {
    case 'tool-calls':
      return 'tool_use';
    case 'length':
      return 'max_tokens';
    case 'content-filter':
      return 'content_filtered';
    default:
      return 'end_turn';
  }
}

/** Converse usage → pivot usage (cache counts added into inputTokens; see the file comment). */
export function decodeUsage(usage: unknown): PivotUsage {
  if (!isRecord(usage)) return {};
  const input = optNumber(usage.inputTokens);
  const read = optNumber(usage.cacheReadInputTokens);
  const write = optNumber(usage.cacheWriteInputTokens);
  const out: PivotUsage = {};
  if (input !== undefined) out.inputTokens = input + (read ?? 0) + (write ?? 0);
  const output = optNumber(usage.outputTokens);
  if (output !== undefined) out.outputTokens = output;
  if (read !== undefined) out.cachedInputTokens = read;
  if (write !== undefined) out.cacheWriteTokens = write;
  return out;
}

/** Pivot usage → Converse usage (cache counts taken out of inputTokens). */
export function encodeUsage(usage: PivotUsage): TokenUsage {
  const read = usage.cachedInputTokens;
  const write = usage.cacheWriteTokens;
  const allInput = usage.inputTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  return {
    inputTokens: Math.max(0, allInput - (read ?? 0) - (write ?? 0)),
    outputTokens: output,
    totalTokens: allInput + output,
    ...(read !== undefined ? { cacheReadInputTokens: read } : {}),
    ...(write !== undefined ? { cacheWriteInputTokens: write } : {}),
  };
}

/**
 * Decodes a Converse answer (the SDK's ConverseCommandOutput or the JSON body). Converse returns no
 * id and no model: the id is the SDK's request id when present, else `bedrock-<uuid>`; the model is
 * the prompt router's pick when present, else '' for the caller (who knows the model id) to fill in.
 */
export function decodeConverseResponse(body: unknown): PivotResponse {
  const message = isRecord(body) && isRecord(body.output) ? body.output.message : undefined;
  if (!isRecord(body) || !isRecord(message)) {
    throw new RuntimeError('invalid upstream response: not a Bedrock Converse answer');
  }
  const dropped: string[] = [];
  const content = records(message.content).flatMap((block) => decodeBlock(block, dropped));
  const metadata = isRecord(body.$metadata) ? body.$metadata : {};
  const router = isRecord(body.trace) && isRecord(body.trace.promptRouter) ? body.trace.promptRouter : {};
  return {
    id: optString(metadata.requestId) ?? `bedrock-${randomUUID()}`,
    model: optString(router.invokedModelId) ?? '',
    content,
    stopReason: decodeStopReason(body.stopReason),
    usage: decodeUsage(body.usage),
  };
}

/** Encodes a pivot response in the ConverseCommandOutput shape (for fakes and tests). */
export function encodeConverseResponse(response: PivotResponse): ConverseResponse {
  const content: ContentBlock[] = response.content.flatMap((part): ContentBlock[] => {
    switch (part.type) {
      case 'text':
        return [{ text: part.text }];
      case 'tool-call':
        return [{ toolUse: { toolUseId: part.id, name: part.name, input: parseInput(part.arguments) } }];
      case 'reasoning':
        return [
          {
            reasoningContent: {
              reasoningText: { text: part.text, ...(part.signature ? { signature: part.signature } : {}) },
            },
          },
        ];
      case 'image':
        return part.source.kind === 'base64'
          ? [
              {
                image: {
                  format: imageFormat(part.source.mediaType),
                  source: { bytes: base64ToBytes(part.source.data) },
                },
              },
            ]
          : [];
    }
  });
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: encodeStopReason(response.stopReason),
    usage: encodeUsage(response.usage),
    metrics: { latencyMs: 0 },
  };
}

type JsonDocument = NonNullable<Extract<ContentBlock, { toolUse: unknown }>['toolUse']['input']>;

function parseInput(text: string): JsonDocument {
  try {
    return JSON.parse(text) as JsonDocument;
  } catch {
    return {};
  }
}

function imageFormat(mediaType: string): 'png' | 'jpeg' | 'gif' | 'webp' {
  const sub = mediaType.split('/')[1];
  return sub === 'png' || sub === 'gif' || sub === 'webp' ? sub : 'jpeg';
}
