/**
 * What the fake upstreams need to read from a request, whatever its dialect (Anthropic Messages, OpenAI
 * Chat Completions, OpenAI Responses): the last user text, the tool result it carries back, and the tools
 * it offers. Also what the tests assert on, so "the fake received the tool result" means the same thing
 * to both.
 */

export type UpstreamDialect = 'anthropic-messages' | 'openai-chat' | 'openai-responses';

export interface OfferedTool {
  name: string;
  /** JSON schema of the arguments (undefined for tools without one, e.g. Responses custom tools). */
  parameters?: { properties?: Record<string, { type?: string }> };
}

export interface RequestView {
  /** The text of the last user message (system reminders included); '' when the last turn is not the user's. */
  lastUserText: string;
  /** The text of the tool results in the last turn, when the client is sending them back. */
  toolResult?: string;
  tools: OfferedTool[];
}

export function viewRequest(dialect: UpstreamDialect, body: any): RequestView {
  if (dialect === 'anthropic-messages') return viewMessages(body);
  if (dialect === 'openai-chat') return viewChat(body);
  return viewResponses(body);
}

/** Text of a content value: a string, or parts/blocks with `text` (tool results and `input_text` included). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      if (typeof part?.text === 'string') return part.text;
      if (part?.type === 'tool_result') return textOf(part.content);
      return '';
    })
    .join('\n');
}

function viewMessages(body: any): RequestView {
  // Claude Code appends `system` messages after the user's turn (agent listings, reminders): they are not a turn.
  const messages: any[] = (Array.isArray(body?.messages) ? body.messages : []).filter(
    (m: any) => m?.role === 'user' || m?.role === 'assistant',
  );
  const last = messages.at(-1);
  const results =
    last?.role === 'user' && Array.isArray(last.content)
      ? last.content.filter((b: any) => b?.type === 'tool_result')
      : [];
  return {
    lastUserText: last?.role === 'user' ? textOf(last.content) : '',
    toolResult: results.length ? results.map((b: any) => textOf(b.content)).join('\n') : undefined,
    tools: (Array.isArray(body?.tools) ? body.tools : []).map((t: any) => ({
      name: t.name,
      parameters: t.input_schema,
    })),
  };
}

function viewChat(body: any): RequestView {
  const messages: any[] = (Array.isArray(body?.messages) ? body.messages : []).filter(
    (m: any) => m?.role !== 'system' && m?.role !== 'developer',
  );
  // A turn's tool results are the trailing `tool` messages.
  const trailing: any[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]?.role === 'tool'; i--) trailing.unshift(messages[i]);
  const last = messages.at(-1);
  return {
    lastUserText: last?.role === 'user' ? textOf(last.content) : '',
    toolResult: trailing.length ? trailing.map((m) => textOf(m.content)).join('\n') : undefined,
    tools: (Array.isArray(body?.tools) ? body.tools : []).map((t: any) => ({
      name: t.function?.name ?? t.name,
      parameters: t.function?.parameters,
    })),
  };
}

const OUTPUT_ITEMS = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);

function viewResponses(body: any): RequestView {
  const input: any[] = Array.isArray(body?.input)
    ? body.input
    : typeof body?.input === 'string'
      ? [{ role: 'user', content: body.input }]
      : [];
  const trailing: any[] = [];
  for (let i = input.length - 1; i >= 0 && OUTPUT_ITEMS.has(input[i]?.type); i--) trailing.unshift(input[i]);
  const last = input.at(-1);
  const isUser = last?.role === 'user' && (last.type === undefined || last.type === 'message');
  return {
    lastUserText: isUser ? textOf(last.content) : '',
    toolResult: trailing.length ? trailing.map((item) => textOf(item.output)).join('\n') : undefined,
    tools: (Array.isArray(body?.tools) ? body.tools : []).map((t: any) => ({
      name: t.name ?? t.type,
      parameters: t.parameters,
    })),
  };
}
