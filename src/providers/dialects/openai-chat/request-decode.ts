/**
 * OpenAI Chat Completions request body → pivot. Whatever the pivot cannot hold is named in
 * `dropped` ("openai-chat <feature>") so the audit event can say what a conversion lost.
 */
import { InvalidRequestError } from '../../../errors.js';
import type {
  Encoded,
  ImageSource,
  PivotMessage,
  PivotPart,
  PivotRequest,
  PivotTool,
  ToolChoice,
} from '../../pivot.js';
import { asArray, asNumber, asRecord, asString } from '../wire-read.js';

/** Top-level fields this decoder reads; any other non-null field is reported as dropped. */
const handled = new Set([
  'model',
  'messages',
  'tools',
  'functions',
  'tool_choice',
  'function_call',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'user',
  'stream',
  'stream_options',
  'vmx',
]);

/** A tool with no declared parameters still needs an object schema for the dialects that require one. */
const emptySchema = { type: 'object', properties: {} };

/** Decodes a Chat Completions request body. Throws InvalidRequestError when `messages` is unusable. */
export function decodeChatRequest(body: Record<string, unknown>): Encoded<PivotRequest> {
  const dropped = new Set<string>();
  const request: PivotRequest = {
    model: asString(body.model) ?? '',
    system: [],
    messages: [],
    tools: [],
    stream: body.stream === true,
  };
  if (!Array.isArray(body.messages)) throw new InvalidRequestError('messages must be an array');
  // Legacy `function` messages carry no id: answer the latest legacy call of the same name.
  const legacyIds = new Map<string, string>();
  for (const [position, raw] of body.messages.entries()) {
    const message = asRecord(raw);
    if (!message) throw new InvalidRequestError(`messages[${position}] must be an object`);
    if (message.name !== undefined && message.role !== 'function') dropped.add('openai-chat message name');
    decodeMessage(message, position, request, dropped, legacyIds);
  }
  request.tools = [...asArray(body.tools), ...asArray(body.functions).map((f) => ({ type: 'function', function: f }))]
    .map((tool) => decodeTool(tool, dropped))
    .filter((tool): tool is PivotTool => tool !== undefined);
  const toolChoice = decodeToolChoice(body.tool_choice ?? body.function_call, dropped);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const maxTokens = asNumber(body.max_completion_tokens) ?? asNumber(body.max_tokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = asNumber(body.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = asNumber(body.top_p);
  if (topP !== undefined) request.topP = topP;
  const stop =
    typeof body.stop === 'string' ? [body.stop] : asArray(body.stop).filter((s): s is string => typeof s === 'string');
  if (stop.length > 0) request.stop = stop;
  const user = asString(body.user);
  if (user !== undefined) request.user = user;
  for (const [key, value] of Object.entries(body)) {
    if (handled.has(key) || value === null || value === undefined) continue;
    if (key === 'n' && value === 1) continue; // the default: nothing lost
    dropped.add(`openai-chat ${key}`);
  }
  return { value: request, dropped: [...dropped] };
}

function decodeMessage(
  message: Record<string, unknown>,
  position: number,
  request: PivotRequest,
  dropped: Set<string>,
  legacyIds: Map<string, string>,
): void {
  const role = message.role;
  if (role === 'system' || role === 'developer') {
    // The pivot keeps instructions apart from the conversation; a late one loses its position.
    if (request.messages.length > 0) dropped.add('openai-chat system message position (moved to the start)');
    request.system.push(...textsOf(message.content));
    return;
  }
  if (role === 'user') {
    request.messages.push({ role: 'user', content: userParts(message.content, dropped) });
    return;
  }
  if (role === 'assistant') {
    request.messages.push(assistantMessage(message, dropped, legacyIds, request.messages.length));
    return;
  }
  if (role === 'tool') {
    const toolCallId = asString(message.tool_call_id);
    if (toolCallId === undefined) throw new InvalidRequestError(`messages[${position}].tool_call_id is required`);
    request.messages.push({ role: 'tool', toolCallId, content: textsOf(message.content).map(text) });
    return;
  }
  if (role === 'function') {
    const name = asString(message.name) ?? '';
    const toolCallId = legacyIds.get(name) ?? legacyId(name, request.messages.length);
    request.messages.push({ role: 'tool', toolCallId, content: textsOf(message.content).map(text) });
    return;
  }
  throw new InvalidRequestError(`messages[${position}].role '${String(role)}' is not a chat role`);
}

function assistantMessage(
  message: Record<string, unknown>,
  dropped: Set<string>,
  legacyIds: Map<string, string>,
  position: number,
): PivotMessage {
  const content: PivotPart[] = [];
  const reasoning = asString(message.reasoning_content);
  if (reasoning) content.push({ type: 'reasoning', text: reasoning });
  if (typeof message.content === 'string') {
    if (message.content) content.push(text(message.content));
  } else {
    for (const raw of asArray(message.content)) {
      const part = asRecord(raw);
      if (part?.type === 'text' && typeof part.text === 'string') content.push(text(part.text));
      else if (part?.type === 'refusal' && typeof part.refusal === 'string') {
        content.push(text(part.refusal));
        dropped.add('openai-chat refusal marker (kept as text)');
      }
    }
  }
  if (typeof message.refusal === 'string' && message.refusal) {
    content.push(text(message.refusal));
    dropped.add('openai-chat refusal marker (kept as text)');
  }
  if (message.audio) dropped.add('openai-chat assistant audio');
  for (const raw of asArray(message.tool_calls)) {
    const call = asRecord(raw);
    const fn = asRecord(call?.function);
    if (call?.type !== undefined && call.type !== 'function') {
      dropped.add('openai-chat custom tool calls');
      continue;
    }
    content.push({
      type: 'tool-call',
      id: asString(call?.id) ?? '',
      name: asString(fn?.name) ?? '',
      arguments: asString(fn?.arguments) ?? '',
    });
  }
  const legacy = asRecord(message.function_call);
  if (legacy) {
    const name = asString(legacy.name) ?? '';
    const id = legacyId(name, position);
    legacyIds.set(name, id);
    content.push({ type: 'tool-call', id, name, arguments: asString(legacy.arguments) ?? '' });
  }
  return { role: 'assistant', content };
}

/** A stable id for a legacy `function_call`, which has none on the wire. */
function legacyId(name: string, position: number): string {
  return `call_${name}_${position}`;
}

function userParts(content: unknown, dropped: Set<string>): PivotPart[] {
  if (typeof content === 'string') return [text(content)];
  const parts: PivotPart[] = [];
  for (const raw of asArray(content)) {
    const part = asRecord(raw);
    if (part?.type === 'text' && typeof part.text === 'string') parts.push(text(part.text));
    else if (part?.type === 'image_url') {
      const image = asRecord(part.image_url);
      const url = asString(image?.url);
      if (url === undefined) continue;
      if (image?.detail !== undefined && image.detail !== 'auto') dropped.add('openai-chat image detail');
      parts.push({ type: 'image', source: imageSource(url) });
    } else dropped.add(`openai-chat ${String(part?.type)} content parts`);
    if (part?.prompt_cache_breakpoint !== undefined) dropped.add('openai-chat prompt_cache_breakpoint');
  }
  return parts;
}

/** A `data:` URL becomes inline base64, so dialects without URL images can still carry it. */
function imageSource(url: string): ImageSource {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { kind: 'base64', mediaType: match[1] ?? '', data: match[2] ?? '' } : { kind: 'url', url };
}

/** The texts of a string or text-part content (system, developer and tool messages). */
function textsOf(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  return asArray(content)
    .map((part) => asString(asRecord(part)?.text))
    .filter((t): t is string => t !== undefined);
}

function text(value: string): PivotPart {
  return { type: 'text', text: value };
}

function decodeTool(raw: unknown, dropped: Set<string>): PivotTool | undefined {
  const tool = asRecord(raw);
  const fn = asRecord(tool?.function);
  if (tool?.type !== 'function' || !fn) {
    dropped.add(`openai-chat ${String(tool?.type)} tools`);
    return undefined;
  }
  if (fn.strict !== undefined && fn.strict !== null) dropped.add('openai-chat tool strict');
  const description = asString(fn.description);
  return {
    name: asString(fn.name) ?? '',
    ...(description !== undefined ? { description } : {}),
    parameters: asRecord(fn.parameters) ?? emptySchema,
  };
}

function decodeToolChoice(raw: unknown, dropped: Set<string>): ToolChoice | undefined {
  if (raw === 'auto' || raw === 'none' || raw === 'required') return raw;
  const choice = asRecord(raw);
  if (!choice) return undefined;
  // `function_call: {name}` (legacy) and `tool_choice: {type:'function', function:{name}}`.
  const name =
    asString(asRecord(choice.function)?.name) ?? (choice.type === undefined ? asString(choice.name) : undefined);
  if (name !== undefined) return { name };
  dropped.add(`openai-chat tool_choice ${String(choice.type)}`);
  return undefined;
}
