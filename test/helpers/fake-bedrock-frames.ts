import { EventStreamCodec } from '@smithy/eventstream-codec';
import { split } from './fake-upstream.js';
import type { Plan, SentUsage } from './fake-anthropic-wire.js';

/**
 * Bedrock Runtime wire shapes for the fake Bedrock upstream: AWS event-stream frames (what
 * `application/vnd.amazon.eventstream` bodies are made of), the Converse JSON and ConverseStream events, the
 * AWS error answer, and the prompt/reply text of a Converse body.
 */

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

function frame(headers: Record<string, string>, body: unknown): Uint8Array {
  return codec.encode({
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, { type: 'string' as const, value }]),
    ),
    body: new TextEncoder().encode(JSON.stringify(body)),
  });
}

/** An event frame: `:event-type`, `:content-type: application/json`, `:message-type: event`; the body is the member's JSON. */
export function eventFrame(eventType: string, body: unknown): Uint8Array {
  return frame({ ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' }, body);
}

/** An InvokeModelWithResponseStream `chunk` frame carrying one model event as base64 `bytes`. */
export function chunkFrame(event: unknown): Uint8Array {
  return eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64') });
}

/**
 * An in-stream exception frame (`:message-type: exception`). `:exception-type` is the union member name,
 * e.g. `throttlingException` for `ThrottlingException`; the SDK throws the matching exception class.
 */
export function exceptionFrame(exceptionName: string, message: string): Uint8Array {
  const member = exceptionName.charAt(0).toLowerCase() + exceptionName.slice(1);
  return frame(
    { ':exception-type': member, ':content-type': 'application/json', ':message-type': 'exception' },
    { message },
  );
}

const ERROR_TYPES: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  409: 'ConflictException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

export function awsErrorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'InternalServerException' : 'ValidationException');
}

/** Headers of an AWS JSON error answer; the SDK picks the exception class from `x-amzn-errortype`. */
export function awsErrorHeaders(type: string, requestId: string): Record<string, string> {
  return {
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': requestId,
  };
}

/** The text of Converse content blocks: text, tool results (text and json), tool-use inputs. */
export function converseContentText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => {
      if (typeof block?.text === 'string') return block.text;
      if (block?.json !== undefined) return JSON.stringify(block.json);
      if (block?.toolResult) return converseContentText(block.toolResult.content);
      if (block?.toolUse) return JSON.stringify(block.toolUse.input ?? {});
      return '';
    })
    .join('');
}

/** The text the fake counts as a Converse prompt: system blocks, then every message's content. */
export function conversePromptText(body: { system?: unknown; messages?: unknown }): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return converseContentText(body.system) + messages.map((m) => converseContentText(m?.content)).join('');
}

/** The default reply text for a Converse body: mentions the tool results of the last user message, if any. */
export function converseReplyText(body: { messages?: unknown }, modelId: string): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  const results =
    last?.role === 'user' && Array.isArray(last.content) ? last.content.filter((b: any) => b?.toolResult) : [];
  if (results.length > 0)
    return `Tool result received: ${results.map((r: any) => converseContentText(r.toolResult.content)).join(' ')}`;
  return `Hello from fake model ${modelId}`;
}

/** Converse `usage`: totalTokens counts cache reads and writes too; the cache fields appear when non-zero. */
export function converseUsage(u: SentUsage) {
  return {
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    totalTokens: u.input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens,
    ...(u.cache_read_input_tokens ? { cacheReadInputTokens: u.cache_read_input_tokens } : {}),
    ...(u.cache_creation_input_tokens ? { cacheWriteInputTokens: u.cache_creation_input_tokens } : {}),
  };
}

/** The Converse (non-stream) answer. */
export function converseOutput(plan: Plan, latencyMs: number) {
  const content = plan.blocks.map((b) =>
    b.type === 'text'
      ? { text: b.text }
      : b.type === 'thinking'
        ? { reasoningContent: { reasoningText: { text: b.thinking, signature: b.signature } } }
        : { toolUse: { toolUseId: b.id, name: b.name, input: b.input } },
  );
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: plan.stopReason,
    usage: converseUsage(plan.usage),
    metrics: { latencyMs },
  };
}

/**
 * The ConverseStream events, as [event type, body]: messageStart → per block (contentBlockStart for tool use
 * only, as the real service does) contentBlockDelta… → contentBlockStop → messageStop → metadata.
 */
export function converseStreamEvents(plan: Plan, latencyMs: number): Array<[string, unknown]> {
  const events: Array<[string, unknown]> = [['messageStart', { role: 'assistant' }]];
  plan.blocks.forEach((block, contentBlockIndex) => {
    const delta = (d: unknown) => events.push(['contentBlockDelta', { contentBlockIndex, delta: d }]);
    if (block.type === 'text') {
      for (const text of plan.chunks ? split(block.text, plan.chunks) : block.text.split(/(?<= )/)) delta({ text });
    } else if (block.type === 'thinking') {
      for (const text of block.thinking.split(/(?<= )/)) delta({ reasoningContent: { text } });
      delta({ reasoningContent: { signature: block.signature } });
    } else {
      events.push([
        'contentBlockStart',
        { start: { toolUse: { toolUseId: block.id, name: block.name } }, contentBlockIndex },
      ]);
      for (const input of split(JSON.stringify(block.input), plan.chunks ?? 4)) delta({ toolUse: { input } });
    }
    events.push(['contentBlockStop', { contentBlockIndex }]);
  });
  events.push(['messageStop', { stopReason: plan.stopReason }]);
  events.push(['metadata', { usage: converseUsage(plan.usage), metrics: { latencyMs } }]);
  return events;
}
