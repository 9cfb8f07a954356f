/**
 * Anthropic Messages request body → pivot. Tool results, which Anthropic sends as `tool_result`
 * blocks inside a user message, become one pivot `tool` message each (before the rest of that user
 * turn). Whatever the pivot cannot hold is named in `dropped` ("anthropic <feature>").
 */
import { InvalidRequestError } from '../../../errors.js';
import type { Encoded, PivotPart, PivotRequest, PivotTool, ToolChoice } from '../../pivot.js';
import { asArray, asNumber, asRecord, asString } from '../wire-read.js';

/** Top-level fields this decoder reads; any other non-null field is reported as dropped. */
const handled = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'stop_sequences',
  'temperature',
  'top_p',
  'metadata',
  'stream',
  'vmx',
]);

/** Decodes a Messages request body. Throws InvalidRequestError when `messages` is unusable. */
export function decodeAnthropicRequest(body: Record<string, unknown>): Encoded<PivotRequest> {
  const dropped = new Set<string>();
  const request: PivotRequest = {
    model: asString(body.model) ?? '',
    system: systemTexts(body.system, dropped),
    messages: [],
    tools: [],
    stream: body.stream === true,
  };
  if (!Array.isArray(body.messages)) throw new InvalidRequestError('messages must be an array');
  for (const [position, raw] of body.messages.entries()) {
    const message = asRecord(raw);
    if (!message) throw new InvalidRequestError(`messages[${position}] must be an object`);
    const blocks =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : asArray(message.content);
    if (message.role === 'user') decodeUser(blocks, request, dropped);
    else if (message.role === 'assistant') {
      request.messages.push({ role: 'assistant', content: blocks.flatMap((b) => assistantPart(b, dropped)) });
    } else if (message.role === 'system') {
      if (request.messages.length > 0) dropped.add('anthropic system message position (moved to the start)');
      request.system.push(...systemTexts(message.content, dropped));
    } else throw new InvalidRequestError(`messages[${position}].role '${String(message.role)}' is not a messages role`);
  }
  request.tools = asArray(body.tools)
    .map((tool) => decodeTool(tool, dropped))
    .filter((tool): tool is PivotTool => tool !== undefined);
  const toolChoice = decodeToolChoice(body.tool_choice, dropped);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const maxTokens = asNumber(body.max_tokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = asNumber(body.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = asNumber(body.top_p);
  if (topP !== undefined) request.topP = topP;
  const stop = asArray(body.stop_sequences).filter((s): s is string => typeof s === 'string');
  if (stop.length > 0) request.stop = stop;
  const user = asString(asRecord(body.metadata)?.user_id);
  if (user !== undefined) request.user = user;
  for (const [key, value] of Object.entries(body)) {
    if (!handled.has(key) && value !== null && value !== undefined) dropped.add(`anthropic ${key}`);
  }
  return { value: request, dropped: [...dropped] };
}

function systemTexts(system: unknown, dropped: Set<string>): string[] {
  if (typeof system === 'string') return [system];
  return asArray(system).flatMap((raw) => {
    const block = asRecord(raw);
    noteBlockExtras(block, dropped);
    return typeof block?.text === 'string' ? [block.text] : [];
  });
}

function decodeUser(blocks: unknown[], request: PivotRequest, dropped: Set<string>): void {
  const rest: PivotPart[] = [];
  for (const raw of blocks) {
    const block = asRecord(raw);
    noteBlockExtras(block, dropped);
    if (block?.type === 'tool_result') {
      const content =
        typeof block.content === 'string' ? [{ type: 'text', text: block.content }] : asArray(block.content);
      request.messages.push({
        role: 'tool',
        toolCallId: asString(block.tool_use_id) ?? '',
        content: content.flatMap((b) => userPart(b, dropped)),
        ...(block.is_error === true ? { isError: true } : {}),
      });
    } else rest.push(...userPart(block, dropped));
  }
  // A user turn made only of tool results leaves nothing else to say.
  if (rest.length > 0 || blocks.length === 0) request.messages.push({ role: 'user', content: rest });
}

function userPart(raw: unknown, dropped: Set<string>): PivotPart[] {
  const block = asRecord(raw);
  noteBlockExtras(block, dropped);
  if (block?.type === 'text' && typeof block.text === 'string') return [{ type: 'text', text: block.text }];
  if (block?.type === 'image') {
    const source = asRecord(block.source);
    if (source?.type === 'base64') {
      return [
        {
          type: 'image',
          source: { kind: 'base64', mediaType: asString(source.media_type) ?? '', data: asString(source.data) ?? '' },
        },
      ];
    }
    if (source?.type === 'url') return [{ type: 'image', source: { kind: 'url', url: asString(source.url) ?? '' } }];
    dropped.add(`anthropic ${String(source?.type)} image sources`);
    return [];
  }
  dropped.add(`anthropic ${String(block?.type)} blocks`);
  return [];
}

function assistantPart(raw: unknown, dropped: Set<string>): PivotPart[] {
  const block = asRecord(raw);
  noteBlockExtras(block, dropped);
  if (block?.type === 'text' && typeof block.text === 'string') return [{ type: 'text', text: block.text }];
  if (block?.type === 'thinking') {
    const signature = asString(block.signature);
    return [{ type: 'reasoning', text: asString(block.thinking) ?? '', ...(signature ? { signature } : {}) }];
  }
  if (block?.type === 'tool_use') {
    return [
      {
        type: 'tool-call',
        id: asString(block.id) ?? '',
        name: asString(block.name) ?? '',
        arguments: JSON.stringify(block.input ?? {}),
      },
    ];
  }
  dropped.add(`anthropic ${String(block?.type)} blocks`);
  return [];
}

/** Block-level extras the pivot has no place for. */
function noteBlockExtras(block: Record<string, unknown> | undefined, dropped: Set<string>): void {
  if (block?.cache_control !== undefined && block.cache_control !== null) dropped.add('anthropic cache_control');
  if (Array.isArray(block?.citations) && block.citations.length > 0) dropped.add('anthropic citations');
}

function decodeTool(raw: unknown, dropped: Set<string>): PivotTool | undefined {
  const tool = asRecord(raw);
  noteBlockExtras(tool, dropped);
  // Server tools (web_search, bash, code_execution …) carry a versioned `type`; only custom tools map.
  if (!tool || (tool.type !== undefined && tool.type !== null && tool.type !== 'custom')) {
    dropped.add(`anthropic ${String(tool?.type)} tool`);
    return undefined;
  }
  const description = asString(tool.description);
  return {
    name: asString(tool.name) ?? '',
    ...(description !== undefined ? { description } : {}),
    parameters: asRecord(tool.input_schema) ?? { type: 'object', properties: {} },
  };
}

function decodeToolChoice(raw: unknown, dropped: Set<string>): ToolChoice | undefined {
  const choice = asRecord(raw);
  if (!choice) return undefined;
  if (choice.disable_parallel_tool_use === true) dropped.add('anthropic disable_parallel_tool_use');
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'none':
      return 'none';
    case 'any':
      return 'required';
    case 'tool':
      return { name: asString(choice.name) ?? '' };
    default:
      dropped.add(`anthropic tool_choice ${String(choice.type)}`);
      return undefined;
  }
}
