/**
 * OpenAI Responses request body → pivot request (the inbound `/responses` route).
 * `input` as a string is one user message; as items, messages, function calls, their outputs and
 * reasoning become pivot messages in order. `instructions` and system/developer messages go to
 * `system`. Whatever the pivot has no place for is named in `dropped`.
 */
import { InvalidRequestError } from '../../../errors.js';
import type { Encoded, PivotMessage, PivotPart, PivotRequest, PivotTool, ToolChoice } from '../../pivot.js';
import { isRecord, optNumber, optString, parseDataUrl, records } from '../wire-read.js';

/** Top-level fields the pivot cannot carry, named when a client sets them (null counts as unset). */
const UNSUPPORTED_FIELDS: Record<string, string> = {
  previous_response_id: 'openai-responses previous_response_id (server-side conversation state)',
  conversation: 'openai-responses conversation (server-side conversation state)',
  prompt: 'openai-responses prompt template',
  reasoning: 'openai-responses reasoning options',
  include: 'openai-responses include',
  metadata: 'openai-responses metadata',
  background: 'openai-responses background mode',
  truncation: 'openai-responses truncation',
  top_logprobs: 'openai-responses top_logprobs',
  service_tier: 'openai-responses service_tier',
  prompt_cache_key: 'openai-responses prompt_cache_key',
  context_management: 'openai-responses context_management',
};

/** Decodes a Responses create body; throws InvalidRequestError when `input` has the wrong shape. */
export function decodeResponsesRequest(body: Record<string, unknown>): Encoded<PivotRequest> {
  const dropped: string[] = [];
  const system: string[] = [];
  const instructions = optString(body.instructions);
  if (instructions) system.push(instructions);
  const messages = decodeInput(body.input, system, dropped);

  const request: PivotRequest = {
    model: optString(body.model) ?? '',
    system,
    messages,
    tools: decodeTools(body.tools, dropped),
    stream: body.stream === true,
  };
  const toolChoice = decodeToolChoice(body.tool_choice, dropped);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const maxTokens = optNumber(body.max_output_tokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = optNumber(body.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optNumber(body.top_p);
  if (topP !== undefined) request.topP = topP;
  const user = optString(body.user) ?? optString(body.safety_identifier);
  if (user !== undefined) request.user = user;

  for (const [field, name] of Object.entries(UNSUPPORTED_FIELDS)) {
    if (body[field] !== undefined && body[field] !== null) dropped.push(name);
  }
  // Defaults (text format "text", parallel calls allowed, store unset) are not a loss worth reporting.
  if (isRecord(body.text) && isRecord(body.text.format) && body.text.format.type !== 'text') {
    dropped.push('openai-responses text.format (structured output)');
  }
  if (body.parallel_tool_calls === false) dropped.push('openai-responses parallel_tool_calls: false');
  if (body.store === true) dropped.push('openai-responses store (the response is not stored upstream)');
  return { value: request, dropped };
}

function decodeInput(input: unknown, system: string[], dropped: string[]): PivotMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: [{ type: 'text', text: input }] }];
  if (!Array.isArray(input)) throw new InvalidRequestError("'input' must be a string or an array of input items");
  const messages: PivotMessage[] = [];
  input.forEach((item, i) => {
    if (!isRecord(item)) throw new InvalidRequestError(`'input[${i}]' must be an object`);
    // EasyInputMessage may omit `type`; a role is enough to make it a message.
    const type = optString(item.type) ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message':
        decodeMessage(item, i, messages, system, dropped);
        break;
      case 'function_call': {
        const id = optString(item.call_id);
        const name = optString(item.name);
        if (!id || !name) throw new InvalidRequestError(`'input[${i}]' function_call needs call_id and name`);
        appendAssistant(messages, [{ type: 'tool-call', id, name, arguments: optString(item.arguments) ?? '' }]);
        break;
      }
      case 'function_call_output': {
        const toolCallId = optString(item.call_id);
        if (!toolCallId) throw new InvalidRequestError(`'input[${i}]' function_call_output needs call_id`);
        messages.push({ role: 'tool', toolCallId, content: decodeContent(item.output, dropped) });
        break;
      }
      case 'reasoning':
        appendAssistant(messages, decodeReasoningItem(item));
        break;
      default:
        dropped.push(`openai-responses ${type ?? 'untyped'} input item`);
    }
  });
  return messages;
}

function decodeMessage(
  item: Record<string, unknown>,
  i: number,
  messages: PivotMessage[],
  system: string[],
  dropped: string[],
): void {
  const content = decodeContent(item.content, dropped);
  switch (item.role) {
    case 'system':
    case 'developer':
      if (content.some((p) => p.type !== 'text')) dropped.push('openai-responses non-text system content');
      system.push(content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n'));
      return;
    case 'user':
      messages.push({ role: 'user', content });
      return;
    case 'assistant':
      appendAssistant(messages, content);
      return;
    default:
      throw new InvalidRequestError(`'input[${i}].role' must be user, assistant, system or developer`);
  }
}

/**
 * Assistant-side items (a message, then its function calls and reasoning) arrive as separate items;
 * they are one assistant turn, which is how Chat, Anthropic and Converse need them.
 */
function appendAssistant(messages: PivotMessage[], parts: PivotPart[]): void {
  const last = messages.at(-1);
  if (last?.role === 'assistant') last.content.push(...parts);
  else messages.push({ role: 'assistant', content: parts });
}

/** Message content or function output: a string, or a list of input/output content parts. */
function decodeContent(content: unknown, dropped: string[]): PivotPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const parts: PivotPart[] = [];
  for (const part of records(content)) {
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        parts.push({ type: 'text', text: optString(part.text) ?? '' });
        break;
      case 'refusal':
        parts.push({ type: 'text', text: optString(part.refusal) ?? '' });
        break;
      case 'input_image': {
        const url = optString(part.image_url);
        if (!url) {
          dropped.push('openai-responses input_image by file_id');
          break;
        }
        const inline = parseDataUrl(url);
        parts.push({
          type: 'image',
          source: inline ? { kind: 'base64', mediaType: inline.mediaType, data: inline.data } : { kind: 'url', url },
        });
        break;
      }
      default:
        dropped.push(`openai-responses ${optString(part.type) ?? 'untyped'} content part`);
    }
  }
  return parts;
}

/**
 * Reasoning text is the raw `content` when present, else the summaries. `encrypted_content` is the
 * dialect's opaque field, so it carries the pivot `signature` (see stream-encode.ts).
 */
function decodeReasoningItem(item: Record<string, unknown>): PivotPart[] {
  const raw = records(item.content).map((c) => optString(c.text) ?? '');
  const texts = raw.length > 0 ? raw : records(item.summary).map((s) => optString(s.text) ?? '');
  const signature = optString(item.encrypted_content);
  const part: PivotPart = { type: 'reasoning', text: texts.join('\n\n') };
  if (signature) part.signature = signature;
  return [part];
}

function decodeTools(tools: unknown, dropped: string[]): PivotTool[] {
  const out: PivotTool[] = [];
  for (const tool of records(tools)) {
    const name = optString(tool.name);
    if (tool.type !== 'function' || !name) {
      dropped.push(`openai-responses ${optString(tool.type) ?? 'untyped'} tool`);
      continue;
    }
    const parameters = isRecord(tool.parameters) ? tool.parameters : { type: 'object', properties: {} };
    const description = optString(tool.description);
    out.push(description ? { name, description, parameters } : { name, parameters });
  }
  return out;
}

function decodeToolChoice(choice: unknown, dropped: string[]): ToolChoice | undefined {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (!isRecord(choice)) return undefined;
  const name = optString(choice.name);
  if (choice.type === 'function' && name) return { name };
  if (choice.type === 'allowed_tools') {
    // The pivot cannot restrict the tool list per call; keep the mode, say the restriction is lost.
    dropped.push('openai-responses tool_choice allowed_tools list');
    return choice.mode === 'required' ? 'required' : 'auto';
  }
  dropped.push(`openai-responses tool_choice ${optString(choice.type) ?? 'object'}`);
  return undefined;
}
