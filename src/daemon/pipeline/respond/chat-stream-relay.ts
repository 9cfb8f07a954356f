import { chatBodyUsage } from '../../../providers/dialects/openai-chat/usage.js';
import { withVmx } from './envelope.js';
import { SseRelay } from './sse-relay.js';

/** A chunk that carries usage (`"usage":{…}`, Groq's `x_groq.usage` too); `"usage":null` does not. */
const USAGE = /"usage"\s*:\s*\{/;
/** A chunk that is an error report (`data: {"error":…}`), which some servers send mid-stream. */
const ERROR = /^\s*\{\s*"error"\s*:/;

/**
 * Relays an OpenAI chat completions SSE stream to the client, each event the moment it is complete.
 * Events pass through byte for byte except two, which carry the `vmx` envelope: the first data event,
 * and the usage chunk (the last one before `[DONE]`, since the gateway always asks for usage). A usage
 * chunk the client did not ask for loses its `usage`; a stream without one gets a usage-less closing
 * chunk (`choices: []`, as usage chunks have) just before `[DONE]`. Only event boundaries are scanned;
 * JSON is parsed for those events alone.
 */
export class ChatStreamRelay extends SseRelay {
  /** The first data event's JSON, read again only for a closing chunk of vmx's own. */
  private first: string | undefined;
  private closed = false;

  constructor(
    private readonly options: {
      hideUsage: boolean;
      envelope: (final: boolean) => object;
      /** Blanks credentials a provider echoes in an error it reports inside the stream. */
      redact?: (text: string) => string;
    },
  ) {
    super();
  }

  protected event(event: string): string {
    const data = dataOf(event);
    if (data === undefined) return event; // comments and keep-alives
    if (data === '[DONE]') {
      this.complete = true;
      return this.closed ? event : this.closingChunk() + event;
    }
    const isFirst = this.first === undefined;
    if (isFirst) this.firstEventAt = performance.now();
    const closing = data.includes('"usage"') && USAGE.test(data);
    const error = ERROR.test(data);
    if (!isFirst && !closing && !error) return event;
    if (!closing && !error) {
      // The first event: the envelope is spliced in, the provider's JSON otherwise left as it is.
      const spliced = withEnvelope(data, this.options.envelope(false));
      if (spliced !== undefined) this.first = data;
      return spliced ?? event;
    }
    const parsed = parse(data);
    if (!parsed) return event;
    if (isFirst) this.first = data;
    if (error) {
      const detail = parsed.error as { message?: unknown } | undefined;
      this.failure =
        typeof detail?.message === 'string' ? detail.message : 'the provider reported an error in the stream';
      return this.options.redact ? this.options.redact(event) : event;
    }
    if (closing) {
      this.usage = chatBodyUsage(parsed) ?? this.usage;
      this.closed = true;
      if (this.options.hideUsage && 'usage' in parsed) delete parsed.usage;
    }
    return sse({ ...parsed, vmx: this.options.envelope(closing) });
  }

  /** The closing envelope for a stream whose provider sent no usage chunk. */
  private closingChunk(): string {
    this.closed = true;
    const { id, created, model } = (this.first !== undefined && parse(this.first)) || {};
    return sse({ id, object: 'chat.completion.chunk', created, model, choices: [], vmx: this.options.envelope(true) });
  }
}

/** The data of an event (OpenAI sends one data line); undefined for comment-only events. */
function dataOf(event: string): string | undefined {
  // The usual event, `data: {…}\n\n`, without splitting it into lines.
  const end = event.length - 2;
  if (event.startsWith('data: ') && event.indexOf('\n') === end && event.charCodeAt(end - 1) !== 13)
    return event.slice(6, end);
  let data: string | undefined;
  for (const line of event.split(/\r?\n/)) {
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    }
  }
  return data;
}

function parse(data: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(data) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `data` (a JSON object's text) with `"vmx"` added as its last member, as an event; undefined when it
 * does not look like a non-empty object. Not parsed: what the provider wrote stays as written.
 */
function withEnvelope(data: string, envelope: object): string | undefined {
  const close = data.lastIndexOf('}');
  const firstKey = data.indexOf('"');
  if (data.charCodeAt(0) !== 123 || firstKey < 0 || firstKey > close || data.slice(close + 1).trim() !== '')
    return undefined;
  return `data: ${withVmx(data, envelope)}\n\n`;
}

const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
