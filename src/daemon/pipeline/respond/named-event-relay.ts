import type { NamedEventFacts } from '../../../providers/dialects/dialect.js';
import { SseRelay } from './sse-relay.js';

type Data = Record<string, unknown>;

/**
 * Relays a stream of named SSE events (Anthropic Messages, OpenAI Responses) to the client, each the
 * moment it is complete and byte for byte, except the first event and the terminal one, which carry
 * the `vmx` envelope. Only events that carry usage, end the stream or report a failure are parsed; the
 * rest are only split at their blank-line boundary (LF or CRLF).
 */
export class NamedEventRelay extends SseRelay {
  constructor(
    /** The dialect's stream facts (providers/dialects/<id>/index.ts). */
    private readonly spec: NamedEventFacts,
    private readonly envelope: (final: boolean) => object,
    /** Blanks credentials a provider echoes in an error it reports inside the stream. */
    private readonly redact: (text: string) => string = (text) => text,
  ) {
    super();
  }

  protected event(text: string): string {
    const name = /^event: ?(.*)$/m.exec(text)?.[1]?.trim() ?? '';
    const first = this.firstEventAt === undefined;
    if (first) this.firstEventAt = performance.now();
    if (!first && !this.spec.parsed.has(name)) return text;
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
