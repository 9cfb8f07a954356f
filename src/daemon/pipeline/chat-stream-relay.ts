import { StringDecoder } from 'node:string_decoder';
import { chatUsage, type TokenUsage } from './usage-tokens.js';

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
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private held: string | undefined;
  private sawData = false;

  constructor(
    private readonly options: { hideUsage: boolean; envelope: (final: boolean) => object; now?: () => number },
  ) {}

  /** Feeds upstream bytes; returns what to write to the client now. */
  push(chunk: Uint8Array): string {
    this.pending += this.decoder.write(chunk as Buffer);
    let out = '';
    for (;;) {
      const end = boundary(this.pending);
      if (end < 0) break;
      const event = this.pending.slice(0, end + terminatorLength(this.pending, end));
      this.pending = this.pending.slice(event.length);
      out += this.event(event);
    }
    return out;
  }

  /** The upstream ended (with or without `[DONE]`): what is still held goes out. */
  end(): string {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    let out = rest.trim() ? this.event(rest.endsWith('\n\n') ? rest : `${rest}\n\n`) : '';
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

function boundary(text: string): number {
  const lf = text.indexOf('\n\n');
  const crlf = text.indexOf('\r\n\r\n');
  if (lf < 0) return crlf;
  if (crlf < 0) return lf;
  return Math.min(lf, crlf);
}

const terminatorLength = (text: string, at: number) => (text.startsWith('\r\n\r\n', at) ? 4 : 2);

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
