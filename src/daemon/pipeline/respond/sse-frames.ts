import { StringDecoder } from 'node:string_decoder';

/**
 * Upstream SSE bytes cut into whole events, each kept exactly as sent (its blank-line terminator
 * included), for the relays that pass most events through untouched. An event ends at a blank line,
 * `\n\n` or `\r\n\r\n`; UTF-8 split across chunks is held until it is whole.
 */
export class SseFrames {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  /** The events completed by this chunk. */
  push(chunk: Uint8Array): string[] {
    this.pending += this.decoder.write(chunk as Buffer);
    const events: string[] = [];
    for (;;) {
      const end = boundary(this.pending);
      if (end < 0) break;
      const length = end + (this.pending.startsWith('\r\n\r\n', end) ? 4 : 2);
      events.push(this.pending.slice(0, length));
      this.pending = this.pending.slice(length);
    }
    return events;
  }

  /** What is left when the upstream ends, as a last event with its terminator added, if any. */
  end(): string | undefined {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return rest.trim() ? `${rest.replace(/[\r\n]*$/, '')}\n\n` : undefined;
  }
}

function boundary(text: string): number {
  const lf = text.indexOf('\n\n');
  const crlf = text.indexOf('\r\n\r\n');
  if (lf < 0) return crlf;
  if (crlf < 0) return lf;
  return Math.min(lf, crlf);
}
