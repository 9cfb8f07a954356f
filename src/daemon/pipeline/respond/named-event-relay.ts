import type { PivotUsage } from '../../../providers/pivot.js';
import { readAnthropicUsage } from '../../../providers/dialects/anthropic-messages/usage.js';
import { readResponsesUsage } from '../../../providers/dialects/openai-responses/usage.js';
import type { Dialect } from '../../../providers/registry.js';
import { SseFrames } from './sse-frames.js';

type Data = Record<string, unknown>;

interface NamedStream {
  /** The usage an event carries, given what earlier events said; undefined for events without usage. */
  usage(event: string, data: Data, before: PivotUsage | undefined): PivotUsage | undefined;
  /** Events that end the stream: the closing envelope rides on them. */
  terminal: ReadonlySet<string>;
  /** The provider's failure report inside the stream, if this event is one. */
  failure(event: string, data: Data): string | undefined;
}

const record = (value: unknown): Data | undefined => (value && typeof value === 'object' ? (value as Data) : undefined);
const messageOf = (error: unknown): string | undefined => {
  const message = record(error)?.message;
  return typeof message === 'string' ? message : undefined;
};

const responsesTerminal = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Per dialect: which named events carry usage, which end the stream, which report a failure. */
const streams: Partial<Record<Dialect, NamedStream>> = {
  'anthropic-messages': {
    usage: (event, data, before) =>
      event === 'message_start'
        ? readAnthropicUsage(record(data.message)?.usage)
        : event === 'message_delta'
          ? readAnthropicUsage(data.usage, before)
          : undefined,
    terminal: new Set(['message_stop']),
    failure: (event, data) =>
      event === 'error' ? (messageOf(data.error) ?? 'the provider reported an error in the stream') : undefined,
  },
  'openai-responses': {
    usage: (event, data) =>
      responsesTerminal.has(event) ? readResponsesUsage(record(data.response)?.usage) : undefined,
    terminal: responsesTerminal,
    failure: (event, data) =>
      event === 'error'
        ? typeof data.message === 'string'
          ? data.message
          : (messageOf(data.error) ?? 'the provider reported an error in the stream')
        : event === 'response.failed'
          ? (messageOf(record(data.response)?.error) ?? 'the provider reported the response as failed')
          : undefined,
  },
};

/** Events worth parsing: those with usage, a terminal event, or a failure report. */
const parsed = new Set([
  'message_start',
  'message_delta',
  'message_stop',
  'error',
  'response.completed',
  'response.incomplete',
  'response.failed',
]);

/**
 * Relays a stream of named SSE events (Anthropic Messages, OpenAI Responses) to the client, each the
 * moment it is complete and byte for byte, except the first event and the terminal one, which carry
 * the `vmx` envelope. Only events that carry usage, end the stream or report a failure are parsed; the
 * rest are only split at their blank-line boundary (LF or CRLF).
 */
export class NamedEventRelay {
  usage: PivotUsage | undefined;
  firstEventAt: number | undefined;
  /** The dialect's terminal event arrived: the stream is whole. */
  complete = false;
  /** The message of an error the provider reported inside the stream. */
  failure: string | undefined;
  private readonly frames = new SseFrames();
  private readonly spec: NamedStream;

  constructor(
    dialect: Dialect,
    private readonly envelope: (final: boolean) => object,
    /** Blanks credentials a provider echoes in an error it reports inside the stream. */
    private readonly redact: (text: string) => string = (text) => text,
  ) {
    this.spec = streams[dialect]!;
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
    if (!first && !parsed.has(name)) return text;
    const dataAt = text.indexOf('data:');
    if (dataAt < 0) return text;
    let data: Data;
    try {
      data = JSON.parse(text.slice(dataAt + 5)) as Data;
    } catch {
      return text;
    }
    this.usage = this.spec.usage(name, data, this.usage) ?? this.usage;
    const failure = this.spec.failure(name, data);
    this.failure ??= failure;
    const last = this.spec.terminal.has(name);
    if (last) this.complete = true;
    if (!first && !last) return failure === undefined ? text : this.redact(text);
    return `${text.slice(0, dataAt)}data: ${JSON.stringify({ ...data, vmx: this.envelope(last) })}\n\n`;
  }
}
