/**
 * Pivot request → Bedrock Converse request (the ConverseCommandInput / ConverseStreamCommandInput
 * shape; the two share their body). `modelId` is copied from `request.model`; whether to call
 * Converse or ConverseStream is the caller's choice (`request.stream`).
 *
 * Converse rules this file enforces: system text goes in `system` blocks; tool calls are `toolUse`
 * blocks whose `input` is a JSON value (not text); tool results are `toolResult` blocks inside a
 * USER message; roles must alternate, so consecutive same-role messages are merged (several tool
 * results become one user message, and a user message right after them joins it); images are bytes
 * only; blank text blocks are rejected upstream, so they are left out.
 */
import type {
  ContentBlock,
  ConverseRequest,
  ImageFormat,
  Message,
  ToolChoice as ConverseToolChoice,
  ToolResultContentBlock,
  ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { Encoded, ImageSource, PivotPart, PivotRequest, ToolChoice } from '../../pivot.js';
import { base64ToBytes } from '../wire-read.js';

/** A JSON value as the SDK types it (smithy's DocumentType). */
type JsonDocument = NonNullable<ToolUseBlock['input']>;

const IMAGE_FORMATS: Record<string, ImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** Encodes a pivot request as a Converse request; `dropped` names what Converse cannot take. */
export function encodeConverseRequest(request: PivotRequest): Encoded<ConverseRequest> {
  const dropped: string[] = [];
  const messages: Message[] = [];
  const append = (role: 'user' | 'assistant', blocks: ContentBlock[]): void => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role && last.content) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };

  for (const message of request.messages) {
    if (message.role === 'tool') {
      const content = message.content.flatMap((p) => encodeToolResultPart(p, dropped));
      const toolResult = {
        toolUseId: message.toolCallId,
        content,
        ...(message.isError ? { status: 'error' as const } : {}),
      };
      append('user', [{ toolResult }]);
    } else {
      append(
        message.role,
        message.content.flatMap((p) => encodePart(p, dropped)),
      );
    }
  }

  const body: ConverseRequest = { modelId: request.model, messages };
  if (request.system.length > 0) body.system = request.system.map((text) => ({ text }));
  const inference = {
    ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { topP: request.topP } : {}),
    ...(request.stop && request.stop.length > 0 ? { stopSequences: request.stop } : {}),
  };
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  if (request.tools.length > 0) {
    const tools = request.tools.map((tool) => ({
      toolSpec: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        inputSchema: { json: tool.parameters as JsonDocument },
      },
    }));
    const toolChoice = encodeToolChoice(request.toolChoice, dropped);
    body.toolConfig = toolChoice ? { tools, toolChoice } : { tools };
  }
  if (request.user !== undefined) dropped.push('end-user id (bedrock-converse has no user field)');
  return { value: body, dropped };
}

/**
 * Converse has no "none": the tools stay (Bedrock rejects toolUse history without a toolConfig)
 * and the model is left to choose.
 */
function encodeToolChoice(choice: ToolChoice | undefined, dropped: string[]): ConverseToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  if (choice === 'none') {
    dropped.push('tool_choice none (bedrock-converse has no equivalent; tools still offered)');
    return undefined;
  }
  return { tool: { name: choice.name } };
}

function encodePart(part: PivotPart, dropped: string[]): ContentBlock[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [{ text: part.text }];
    case 'image': {
      const image = encodeImage(part.source, dropped);
      return image ? [{ image }] : [];
    }
    case 'tool-call':
      return [{ toolUse: { toolUseId: part.id, name: part.name, input: parseArguments(part, dropped) } }];
    case 'reasoning':
      // Bedrock only replays reasoning it can verify, i.e. signed by the model that produced it.
      if (part.signature === undefined) {
        dropped.push('unsigned reasoning history');
        return [];
      }
      return [{ reasoningContent: { reasoningText: { text: part.text, signature: part.signature } } }];
  }
}

function encodeToolResultPart(part: PivotPart, dropped: string[]): ToolResultContentBlock[] {
  if (part.type === 'text') return part.text === '' ? [] : [{ text: part.text }];
  if (part.type === 'image') {
    const image = encodeImage(part.source, dropped);
    return image ? [{ image }] : [];
  }
  dropped.push(`${part.type} part in a tool result`);
  return [];
}

function encodeImage(
  source: ImageSource,
  dropped: string[],
): { format: ImageFormat; source: { bytes: Uint8Array } } | undefined {
  let inline = source.kind === 'base64' ? source : undefined;
  if (source.kind === 'url') {
    // A data URL is inline bytes in disguise; only a fetchable URL is out of reach (no I/O in codecs).
    const match = /^data:([^;,]+);base64,(.*)$/s.exec(source.url);
    if (!match) {
      dropped.push('image URL (bedrock-converse takes image bytes only)');
      return undefined;
    }
    inline = { kind: 'base64', mediaType: match[1]!, data: match[2]! };
  }
  const format = inline ? IMAGE_FORMATS[inline.mediaType.toLowerCase()] : undefined;
  if (!inline || !format) {
    dropped.push(`image of type ${inline?.mediaType ?? 'unknown'} (bedrock-converse takes png, jpeg, gif, webp)`);
    return undefined;
  }
  return { format, source: { bytes: base64ToBytes(inline.data) } };
}

/** Converse wants the arguments as a JSON object; text that does not parse to one becomes `{}`. */
function parseArguments(part: { name: string; arguments: string }, dropped: string[]): JsonDocument {
  if (part.arguments.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(part.arguments);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as JsonDocument;
  } catch {
    // fall through: reported below
  }
  dropped.push(`tool call arguments that are not a JSON object (${part.name}; sent as {})`);
  return {};
}

/**
 * The HTTP body of a Converse call, for a caller that signs and sends it without the SDK: `modelId`
 * goes in the path (`/model/{modelId}/converse`), so it is left out, and bytes travel as base64.
 */
export function converseRequestJson(request: ConverseRequest): string {
  const { modelId: _modelId, ...body } = request;
  return JSON.stringify(body, (_key, value: unknown) =>
    value instanceof Uint8Array
      ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
      : value,
  );
}
