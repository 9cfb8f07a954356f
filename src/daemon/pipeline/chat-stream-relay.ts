import { chatUsage, type TokenUsage } from './usage-tokens.js';
import { SseFrames } from './sse-frames.js';

/**
 * Relays an OpenAI chat completions SSE stream to the client. Events pass through byte for byte
 * except the first data event and the last one before `[DONE]`, which carry the `vmx` envelope; the
 * last one is also where usage arrives, and where a usage chunk the client did not ask for (the
 * gateway always asks, for its own accounting) loses its `usage`. Only event boundaries are scanned
 * (a blank line ends an SSE event); JSON is parsed for those two events alone.
 */
export class ChatStreamRelay {
  usage: TokenUsage | undefined;
  /** performance.now() when the first data event arrived (time to first token). */
  firstEventAt: number | undefined;
  /** The provider's own model name, from the first event. */
  model: string | undefined;
  private readonly frames = new SseFrames();
  private held: string | undefined;
  private sawData = false;

  constructor(
    private readonly options: { hideUsage: boolean; envelope: (final: boolean) => object; now?: () => number },
  ) {}

  /** Feeds upstream bytes; returns what to write to the client now. */
  push(chunk: Uint8Array): string {
    let out = '';
    for (const event of this.frames.push(chunk)) out += this.event(event);
    return out;
  }

  /** The upstream ended (with or without `[DONE]`): what is still held goes out. */
  end(): string {
    const rest = this.frames.end();
    let out = rest === undefined ? '' : this.event(rest);
    if (this.held !== undefined) out += this.finish(this.held);
    this.held = undefined;
    return out;
  }

  private event(event: string): string {
    const data = dataOf(event);
    if (data === undefined) return event; // comments and keep-alives
    if (data === '[DONE]') {
      const last = this.held !== undefined ? this.finish(this.held) : '';
      this.held = undefined;
      return last + event;
    }
    if (!this.sawData) {
      this.sawData = true;
      this.firstEventAt = this.options.now ? this.options.now() : performance.now();
      const parsed = parse(data);
      if (!parsed) return event;
      this.model = typeof parsed.model === 'string' ? parsed.model : undefined;
      return sse({ ...parsed, vmx: this.options.envelope(false) });
    }
    const previous = this.held;
    this.held = data;
    return previous === undefined ? '' : `data: ${previous}\n\n`;
  }

  /** The last data event: usage is read (and hidden if the client did not ask), the envelope added. */
  private finish(data: string): string {
    const parsed = parse(data);
    if (!parsed) return `data: ${data}\n\n`;
    this.usage = chatUsage(parsed) ?? this.usage;
    if (this.options.hideUsage && 'usage' in parsed) delete parsed.usage;
    return sse({ ...parsed, vmx: this.options.envelope(true) });
  }
}

/** The data of a one-data-line event (OpenAI sends exactly that); undefined for comment-only events. */
function dataOf(event: string): string | undefined {
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

const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
