import type { Dialect } from '../../providers/registry.js';
import { SseFrames } from './sse-frames.js';
import { anthropicUsage, mergeUsage, responsesUsage, type TokenUsage } from './usage-tokens.js';

/** Per dialect: which named events carry usage, and which one ends the stream (gets the envelope). */
const dialects = {
  'anthropic-messages': {
    usage: (event: string, data: Record<string, unknown>) =>
      event === 'message_start'
        ? anthropicUsage((data.message as Record<string, unknown> | undefined)?.usage as Record<string, unknown>)
        : event === 'message_delta'
          ? outputOnly(anthropicUsage(data.usage as Record<string, unknown>))
          : undefined,
    usageEvents: new Set(['message_start', 'message_delta']),
    last: new Set(['message_stop']),
  },
  'openai-responses': {
    usage: (_event: string, data: Record<string, unknown>) => responsesUsage((data.response as Record<string, unknown> | undefined)?.usage as Record<string, unknown>),
    usageEvents: new Set(['response.completed', 'response.incomplete', 'response.failed']),
    last: new Set(['response.completed', 'response.incomplete', 'response.failed']),
  },
} as const;

/** message_delta carries only the output count (its input_tokens, when present, is not the whole input). */
function outputOnly(usage: TokenUsage | undefined): TokenUsage | undefined {
  return usage && { inputTokens: null, outputTokens: usage.outputTokens, totalTokens: null, cachedTokens: null, cacheWriteTokens: null };
}

/**
 * Relays a stream of named SSE events (Anthropic Messages, OpenAI Responses) byte for byte, except
 * the first event and the closing one, which carry the `vmx` envelope. Only events that carry usage
 * (and those two) are parsed; the rest are only split at their blank-line boundary (LF or CRLF).
 */
export class NamedEventRelay {
  usage: TokenUsage | undefined;
  firstEventAt: number | undefined;
  private readonly frames = new SseFrames();
  private readonly spec: (typeof dialects)[keyof typeof dialects];

  constructor(
    dialect: Dialect,
    private readonly envelope: (final: boolean) => object,
  ) {
    this.spec = dialects[dialect as keyof typeof dialects];
  }

  push(chunk: Uint8Array): string {
    let out = '';
    for (const event of this.frames.push(chunk)) out += this.event(event);
    return out;
  }

  end(): string {
    const rest = this.frames.end();
    return rest === undefined ? '' : this.event(rest);
  }

  private event(text: string): string {
    const name = /^event: ?(.*)$/m.exec(text)?.[1]?.trim() ?? '';
    const first = this.firstEventAt === undefined;
    if (first) this.firstEventAt = performance.now();
    const last = this.spec.last.has(name as never);
    if (!first && !last && !this.spec.usageEvents.has(name as never)) return text;
    const dataAt = text.indexOf('data:');
    if (dataAt < 0) return text;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(text.slice(dataAt + 5)) as Record<string, unknown>;
    } catch {
      return text;
    }
    if (this.spec.usageEvents.has(name as never)) this.usage = mergeUsage(this.usage, this.spec.usage(name, data));
    if (!first && !last) return text;
    return `${text.slice(0, dataAt)}data: ${JSON.stringify({ ...data, vmx: this.envelope(last) })}\n\n`;
  }
}
