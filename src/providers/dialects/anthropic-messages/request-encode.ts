/**
 * Pivot → Anthropic Messages request body, for the anthropic provider and Bedrock's InvokeModel.
 * Anthropic wants strict user/assistant alternation and every tool result of a turn in ONE user
 * message (tool_result blocks first), so consecutive same-role messages are merged here.
 */
import type {
  Base64ImageSource,
  ContentBlockParam,
  ImageBlockParam,
  MessageParam,
  TextBlockParam,
  Tool,
  ToolChoice as AnthropicToolChoice,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import type { Encoded, ImageSource, PivotMessage, PivotPart, PivotRequest, ToolChoice } from '../../pivot.js';
import { parseJsonObject } from '../wire-read.js';

/** `max_tokens` sent when the pivot has none: Anthropic requires the field. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

/**
 * Encodes a pivot request as a Messages body. Choices made here:
 * - `max_tokens` defaults to {@link DEFAULT_ANTHROPIC_MAX_TOKENS}, reported in `dropped`;
 * - tool-call arguments that are not a JSON object become `input: {}`, reported;
 * - tool-call ids keep their value, with characters Anthropic rejects (outside `[A-Za-z0-9_-]`)
 *   replaced by `_` on both the tool_use and its tool_result, so they still pair up;
 * - empty text parts are skipped (Anthropic rejects empty text blocks), and so are messages left empty;
 * - `temperature` above 1 (OpenAI allows 2) is clamped to 1, reported.
 */
export function encodeAnthropicRequest(request: PivotRequest): Encoded<Record<string, unknown>> {
  const dropped = new Set<string>();
  const messages: MessageParam[] = [];
  for (const message of request.messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = encodeBlocks(message, dropped);
    if (blocks.length === 0) continue;
    const last = messages.at(-1);
    if (last?.role === role && Array.isArray(last.content)) merge(last.content, blocks);
    else messages.push({ role, content: blocks });
  }
  if (request.maxTokens === undefined)
    dropped.add(`max_tokens (required by anthropic; defaulted to ${DEFAULT_ANTHROPIC_MAX_TOKENS})`);
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    messages,
  };
  if (request.system.length === 1) body.system = request.system[0];
  else if (request.system.length > 1)
    body.system = request.system.map((text): TextBlockParam => ({ type: 'text', text }));
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool): Tool => ({
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      // input_schema must be an object schema; a schema without `type` gets it.
      input_schema: { type: 'object', ...tool.parameters },
    }));
  }
  if (request.toolChoice !== undefined) body.tool_choice = encodeToolChoice(request.toolChoice);
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.temperature !== undefined) {
    if (request.temperature > 1) dropped.add('temperature above 1 (clamped to 1)');
    body.temperature = Math.min(request.temperature, 1);
  }
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.stream) body.stream = true;
  return { value: body, dropped: [...dropped] };
}

/** Appends blocks to a same-role message, keeping tool_result blocks ahead of everything else. */
function merge(into: ContentBlockParam[], blocks: ContentBlockParam[]): void {
  for (const block of blocks) {
    if (block.type !== 'tool_result') {
      into.push(block);
      continue;
    }
    const firstOther = into.findIndex((b) => b.type !== 'tool_result');
    into.splice(firstOther < 0 ? into.length : firstOther, 0, block);
  }
}

function encodeBlocks(message: PivotMessage, dropped: Set<string>): ContentBlockParam[] {
  if (message.role === 'tool') {
    const content = message.content.flatMap((part) => userBlock(part, dropped));
    const only = content[0];
    const block: ToolResultBlockParam = { type: 'tool_result', tool_use_id: toolId(message.toolCallId) };
    // A lone text goes as a plain string, the form Anthropic documents first.
    if (content.length === 1 && only?.type === 'text') block.content = only.text;
    else if (content.length > 0) block.content = content;
    if (message.isError) block.is_error = true;
    return [block];
  }
  if (message.role === 'user') return message.content.flatMap((part) => userBlock(part, dropped));
  return message.content.flatMap((part): ContentBlockParam[] => {
    switch (part.type) {
      case 'text':
        return part.text ? [{ type: 'text', text: part.text }] : [];
      case 'reasoning':
        // Anthropic verifies thinking blocks by signature; one without cannot be sent back.
        if (part.signature) return [{ type: 'thinking', thinking: part.text, signature: part.signature }];
        dropped.add('reasoning without an anthropic signature');
        return [];
      case 'tool-call': {
        const input = parseJsonObject(part.arguments || '{}');
        if (!input) dropped.add('tool-call arguments that are not a JSON object (sent as {})');
        return [{ type: 'tool_use', id: toolId(part.id), name: part.name, input: input ?? {} }];
      }
      case 'image':
        dropped.add('image parts in assistant messages');
        return [];
    }
  });
}

function userBlock(part: PivotPart, dropped: Set<string>): Array<TextBlockParam | ImageBlockParam> {
  if (part.type === 'text') return part.text ? [{ type: 'text', text: part.text }] : [];
  if (part.type === 'image') return [{ type: 'image', source: imageSource(part.source) }];
  dropped.add(`${part.type} parts in user messages`);
  return [];
}

function imageSource(source: ImageSource): ImageBlockParam['source'] {
  if (source.kind === 'url') return { type: 'url', url: source.url };
  // The media type is the client's; Anthropic validates it, so it is passed as given.
  return { type: 'base64', media_type: source.mediaType as Base64ImageSource['media_type'], data: source.data };
}

/** Anthropic tool ids match `^[a-zA-Z0-9_-]+$`; other characters (some vendors use `.` or `:`) become `_`. */
function toolId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}

function encodeToolChoice(choice: ToolChoice): AnthropicToolChoice {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.name };
}
