import { fakeTokens } from './fake-openai.js';
import { split } from './fake-upstream.js';

/**
 * Anthropic Messages wire shapes shared by the fake Anthropic upstream and by the fake Bedrock's
 * InvokeModel routes (which carry the same JSON): behaviours, token counting, the reply "plan" both fakes
 * render, the `message` object, the stream events in the real order, and the error body.
 */

export { fakeTokens };

export interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/** The usage a fake reported, in Anthropic's names (the Bedrock fake maps it to `inputTokens`… on Converse). */
export type SentUsage = Required<AnthropicUsage>;

interface ReplyOptions {
  /** Default: {@link fakeTokens} of the prompt (input) and of everything generated (output); cache counts 0. */
  usage?: AnthropicUsage;
  /** Default: the request's model (the decoded model id on Bedrock). */
  model?: string;
  headers?: Record<string, string>;
  /** Stream only: text is split into this many deltas (default: one per word); tool input JSON into this many pieces (default 4). */
  chunks?: number;
  /** Stream only: pause between two events. */
  chunkDelayMs?: number;
  /** Stream only: the last this many events are left out and the body ends cleanly. */
  dropLast?: number;
}

export type Behaviour =
  /** Text reply. Default text: `Hello from fake model <model>`, or `Tool result received: <content>` when the last user message holds a tool result. */
  | ({ kind: 'reply'; text?: string } & ReplyOptions)
  /** A tool call (stop reason `tool_use`), optionally preceded by a text block. */
  | ({ kind: 'tool-use'; name: string; input: Record<string, unknown>; id?: string; text?: string } & ReplyOptions)
  /** A thinking block (with its signature) before the text block. */
  | ({ kind: 'thinking'; thinking?: string; signature?: string; text?: string } & ReplyOptions)
  /**
   * An error answer. Anthropic: `{type:'error', error:{type, message}}`, `type` defaulting from the status.
   * Bedrock: `type` is the AWS exception name sent as `x-amzn-errortype`, the body `{message}`.
   */
  | { kind: 'error'; status: number; type?: string; message?: string; body?: unknown; headers?: Record<string, string> }
  /** Waits before the status line, then behaves as `then`. */
  | { kind: 'delay'; ms: number; then: Behaviour }
  /** Reads the request and never answers, until the client gives up. */
  | { kind: 'hang' }
  /** Destroys the socket without answering. */
  | { kind: 'close' }
  /** Streams: sends 200 and the first `afterEvents` events (SSE events / event-stream frames), then destroys the socket. Non-stream requests get the default reply. */
  | { kind: 'stream-then-fail'; afterEvents: number }
  /**
   * Streams: sends the first `afterEvents` events, then an in-stream error and ends the body cleanly.
   * Anthropic: `event: error` with `type` (default `overloaded_error`); Bedrock: an exception frame, `type` the AWS
   * exception name (default `ModelStreamErrorException`). Non-stream requests get the default reply.
   */
  | { kind: 'stream-error'; afterEvents: number; type?: string; message?: string };

export type Block =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** What a fake is about to answer, independent of the wire format. */
export interface Plan {
  id: string;
  model: string;
  blocks: Block[];
  stopReason: 'end_turn' | 'tool_use';
  usage: SentUsage;
  headers?: Record<string, string>;
  chunks?: number;
  chunkDelayMs: number;
  dropLast?: number;
}

export interface PlanContext {
  messageId: string;
  toolUseId: string;
  model: string;
  promptText: string;
  defaultText: string;
}

export function planReply(behaviour: Behaviour, ctx: PlanContext): Plan {
  const b =
    behaviour.kind === 'reply' || behaviour.kind === 'tool-use' || behaviour.kind === 'thinking'
      ? behaviour
      : { kind: 'reply' as const };
  const blocks: Block[] = [];
  if (b.kind === 'thinking') {
    blocks.push({
      type: 'thinking',
      thinking: b.thinking ?? 'The user wants a greeting. I will keep it short.',
      signature: b.signature ?? 'EqQBCkYIARgCKkDfakeSignature0123456789abcdef==',
    });
  }
  if (b.kind !== 'tool-use' || b.text !== undefined) blocks.push({ type: 'text', text: b.text ?? ctx.defaultText });
  if (b.kind === 'tool-use') blocks.push({ type: 'tool_use', id: b.id ?? ctx.toolUseId, name: b.name, input: b.input });
  const generated = blocks
    .map((x) => (x.type === 'text' ? x.text : x.type === 'thinking' ? x.thinking : x.name + JSON.stringify(x.input)))
    .join('');
  const given = 'usage' in b ? b.usage : undefined;
  return {
    id: ctx.messageId,
    model: ('model' in b ? b.model : undefined) ?? ctx.model,
    blocks,
    stopReason: b.kind === 'tool-use' ? 'tool_use' : 'end_turn',
    usage: {
      input_tokens: given?.input_tokens ?? fakeTokens(ctx.promptText),
      output_tokens: given?.output_tokens ?? fakeTokens(generated),
      cache_creation_input_tokens: given?.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: given?.cache_read_input_tokens ?? 0,
    },
    headers: 'headers' in b ? b.headers : undefined,
    chunks: 'chunks' in b ? b.chunks : undefined,
    chunkDelayMs: ('chunkDelayMs' in b ? b.chunkDelayMs : undefined) ?? 0,
    dropLast: 'dropLast' in b ? b.dropLast : undefined,
  };
}

/** The text of Anthropic content (a string or blocks): text blocks, tool results, tool-use inputs. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => {
      if (typeof block?.text === 'string') return block.text;
      if (block?.type === 'tool_result') return contentText(block.content);
      if (block?.type === 'tool_use') return JSON.stringify(block.input ?? {});
      return '';
    })
    .join('');
}

/** The text the fake counts as the prompt: system, then every message's content. */
export function promptText(body: { system?: unknown; messages?: unknown }): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return contentText(body.system) + messages.map((m) => contentText(m?.content)).join('');
}

/** The fake's `input_tokens` for a Messages body (also what count_tokens answers). */
export function fakeInputTokens(body: { system?: unknown; messages?: unknown }): number {
  return fakeTokens(promptText(body));
}

/** The text the default reply sends for a Messages body. */
export function fakeReplyText(body: { messages?: unknown }, model: string): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  const results =
    last?.role === 'user' && Array.isArray(last.content)
      ? last.content.filter((b: any) => b?.type === 'tool_result')
      : [];
  if (results.length > 0) return `Tool result received: ${results.map((r: any) => contentText(r.content)).join(' ')}`;
  return `Hello from fake model ${model}`;
}

export function usageJson(u: SentUsage) {
  return {
    input_tokens: u.input_tokens,
    cache_creation_input_tokens: u.cache_creation_input_tokens,
    cache_read_input_tokens: u.cache_read_input_tokens,
    cache_creation: { ephemeral_5m_input_tokens: u.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
    output_tokens: u.output_tokens,
    service_tier: 'standard',
  };
}

/** The non-stream answer: a `message` object. */
export function anthropicMessage(plan: Plan) {
  return {
    id: plan.id,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content: plan.blocks,
    stop_reason: plan.stopReason,
    stop_sequence: null,
    usage: usageJson(plan.usage),
  };
}

/**
 * The stream events, in the real order: message_start → (content_block_start → [ping, after the first] →
 * content_block_delta… → content_block_stop) per block → message_delta → message_stop.
 */
export function anthropicStreamEvents(
  plan: Plan,
  { ping }: { ping: boolean },
): Array<{ type: string; [key: string]: unknown }> {
  const message = anthropicMessage(plan);
  const events: Array<{ type: string; [key: string]: unknown }> = [
    {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...message.usage, output_tokens: 1 },
      },
    },
  ];
  plan.blocks.forEach((block, index) => {
    const delta = (d: unknown) => events.push({ type: 'content_block_delta', index, delta: d });
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0 && ping) events.push({ type: 'ping' });
      const pieces = plan.chunks ? split(block.text, plan.chunks) : block.text.split(/(?<= )/);
      for (const text of pieces) delta({ type: 'text_delta', text });
    } else if (block.type === 'thinking') {
      events.push({
        type: 'content_block_start',
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
      if (index === 0 && ping) events.push({ type: 'ping' });
      for (const thinking of block.thinking.split(/(?<= )/)) delta({ type: 'thinking_delta', thinking });
      delta({ type: 'signature_delta', signature: block.signature });
    } else {
      events.push({
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      if (index === 0 && ping) events.push({ type: 'ping' });
      const json = JSON.stringify(block.input);
      for (const partial_json of ['', ...split(json, plan.chunks ?? 4)])
        delta({ type: 'input_json_delta', partial_json });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({
    type: 'message_delta',
    delta: { stop_reason: plan.stopReason, stop_sequence: null },
    usage: { output_tokens: plan.usage.output_tokens },
  });
  events.push({ type: 'message_stop' });
  return events;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Anthropic's error body: `{type:'error', error:{type, message}, request_id}`. */
export function anthropicError(status: number, type?: string, message?: string) {
  return {
    type: 'error',
    error: {
      type: type ?? ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
      message: message ?? `fake upstream error ${status}`,
    },
    request_id: 'req_fake',
  };
}
