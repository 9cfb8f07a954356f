/**
 * Pivot request → OpenAI Responses create body (for a provider that speaks Responses natively).
 * The first system text becomes `instructions`, later ones `developer` messages at the head of `input`,
 * so decoding the result gives back the same `system` list.
 */
import type {
  FunctionTool,
  ResponseCreateParamsBase,
  ResponseFunctionCallOutputItem,
  ResponseInputContent,
  ResponseInputItem,
} from 'openai/resources/responses/responses';
import type { Encoded, ImageSource, PivotMessage, PivotPart, PivotRequest } from '../../pivot.js';

/** Encodes a pivot request as a Responses body; `stream` is copied, the caller picks the transport. */
export function encodeResponsesRequest(request: PivotRequest): Encoded<ResponseCreateParamsBase> {
  const dropped: string[] = [];
  const [instructions, ...moreSystem] = request.system;
  const input: ResponseInputItem[] = moreSystem.map((text) => ({ type: 'message', role: 'developer', content: text }));
  for (const message of request.messages) input.push(...encodeMessage(message, dropped));

  const body: ResponseCreateParamsBase = {
    model: request.model,
    input,
    stream: request.stream,
    // The client of a converted request never sees this response id again, so storing it upstream
    // would only keep a copy of the conversation at OpenAI.
    store: false,
  };
  if (instructions !== undefined) body.instructions = instructions;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool): FunctionTool => ({
      type: 'function',
      name: tool.name,
      parameters: tool.parameters,
      // Responses defaults to strict schemas, which reject most schemas written for other dialects.
      strict: false,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
    }));
  }
  const choice = request.toolChoice;
  if (choice !== undefined)
    body.tool_choice = typeof choice === 'string' ? choice : { type: 'function', name: choice.name };
  if (request.maxTokens !== undefined) body.max_output_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.user !== undefined) body.user = request.user;
  if (request.stop && request.stop.length > 0) dropped.push('stop sequences (openai-responses has none)');
  return { value: body, dropped };
}

function encodeMessage(message: PivotMessage, dropped: string[]): ResponseInputItem[] {
  switch (message.role) {
    case 'user':
      return [{ type: 'message', role: 'user', content: message.content.flatMap((p) => encodeInputPart(p, dropped)) }];
    case 'tool': {
      if (message.isError) dropped.push('tool result error flag');
      const onlyText = message.content.every((p) => p.type === 'text');
      const output: string | ResponseFunctionCallOutputItem[] = onlyText
        ? message.content.map((p) => (p.type === 'text' ? p.text : '')).join('')
        : message.content.flatMap((p) => encodeInputPart(p, dropped));
      return [{ type: 'function_call_output', call_id: message.toolCallId, output }];
    }
    case 'assistant':
      return encodeAssistant(message.content, dropped);
  }
}

/**
 * One assistant turn becomes a message item per run of text and a function_call item per tool call,
 * in order. Reasoning cannot be replayed: OpenAI only accepts reasoning items it produced itself.
 */
function encodeAssistant(parts: PivotPart[], dropped: string[]): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  let text: string | undefined;
  const flush = (): void => {
    if (text !== undefined) items.push({ type: 'message', role: 'assistant', content: text });
    text = undefined;
  };
  for (const part of parts) {
    if (part.type === 'text') {
      text = (text ?? '') + part.text;
    } else if (part.type === 'tool-call') {
      flush();
      items.push({ type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments });
    } else {
      dropped.push(part.type === 'reasoning' ? 'assistant reasoning history' : 'assistant image content');
    }
  }
  flush();
  return items;
}

function encodeInputPart(part: PivotPart, dropped: string[]): ResponseInputContent[] {
  if (part.type === 'text') return [{ type: 'input_text', text: part.text }];
  if (part.type === 'image') return [{ type: 'input_image', detail: 'auto', image_url: imageUrl(part.source) }];
  dropped.push(`${part.type} part in a user or tool message`);
  return [];
}

/** Responses takes images as URLs; inline bytes travel as a data URL. */
function imageUrl(source: ImageSource): string {
  return source.kind === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
}
