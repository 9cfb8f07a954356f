/**
 * Pivot → OpenAI Chat Completions request body, for providers that speak Chat (openai, groq,
 * gemini's compatible endpoint, ollama, vLLM …).
 */
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type { Encoded, ImageSource, PivotMessage, PivotRequest, ToolChoice } from '../../pivot.js';

/**
 * Encodes a pivot request as a Chat Completions body. Choices made here:
 * - system strings become one `system` message each (not `developer`: every compatible server knows `system`);
 * - `maxTokens` is sent as `max_completion_tokens` (the current name; `max_tokens` is deprecated and
 *   rejected by OpenAI reasoning models);
 * - a streamed request asks for `stream_options.include_usage`, because the gateway needs the usage for
 *   its own accounting (the client's own choice is applied by the stream encoder).
 */
export function encodeChatRequest(request: PivotRequest): Encoded<Record<string, unknown>> {
  const dropped = new Set<string>();
  const messages: ChatCompletionMessageParam[] = request.system.map((content) => ({ role: 'system', content }));
  for (const message of request.messages) messages.push(encodeMessage(message, dropped));
  const body: Record<string, unknown> = { model: request.model, messages };
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool): ChatCompletionTool => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.parameters,
      },
    }));
  }
  if (request.toolChoice !== undefined) body.tool_choice = encodeToolChoice(request.toolChoice);
  if (request.maxTokens !== undefined) body.max_completion_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (request.user !== undefined) body.user = request.user;
  if (request.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return { value: body, dropped: [...dropped] };
}

function encodeMessage(message: PivotMessage, dropped: Set<string>): ChatCompletionMessageParam {
  if (message.role === 'tool') {
    // Chat tool messages hold text only.
    const texts: string[] = [];
    for (const part of message.content) {
      if (part.type === 'text') texts.push(part.text);
      else dropped.add(`${part.type} parts in tool results`);
    }
    if (message.isError) dropped.add('tool result error flag');
    return { role: 'tool', tool_call_id: message.toolCallId, content: texts.join('\n') };
  }
  if (message.role === 'user') {
    const parts: ChatCompletionContentPart[] = [];
    for (const part of message.content) {
      if (part.type === 'text') parts.push({ type: 'text', text: part.text });
      else if (part.type === 'image') parts.push({ type: 'image_url', image_url: { url: imageUrl(part.source) } });
      else dropped.add(`${part.type} parts in user messages`);
    }
    const only = parts[0];
    // A lone text part goes as a plain string: the form every compatible server accepts.
    if (parts.length === 1 && only?.type === 'text') return { role: 'user', content: only.text };
    return { role: 'user', content: parts };
  }
  const texts: string[] = [];
  const out: ChatCompletionAssistantMessageParam = { role: 'assistant', content: null };
  for (const part of message.content) {
    if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'tool-call') {
      (out.tool_calls ??= []).push({
        id: part.id,
        type: 'function',
        function: { name: part.name, arguments: part.arguments },
      });
    } else if (part.type === 'reasoning') {
      dropped.add('reasoning (thinking) content');
      if (part.signature) dropped.add('anthropic thinking signatures');
    } else dropped.add('image parts in assistant messages');
  }
  // Chat has one content string per assistant turn; separate blocks are joined on a newline.
  if (texts.length > 0 || !out.tool_calls) out.content = texts.join('\n');
  return out;
}

/** Inline images travel as `data:` URLs, the only inline form Chat knows. */
function imageUrl(source: ImageSource): string {
  return source.kind === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
}

function encodeToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}
