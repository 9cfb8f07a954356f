import type { PivotUsage } from '../../../providers/pivot.js';
import { SseFrames } from './sse-frames.js';

/**
 * What the two stream relays share: upstream bytes are split into whole SSE events (LF or CRLF), and
 * each event goes to the client the moment it is complete, as the dialect's relay rewrites it. The
 * relay keeps what the pipeline reads afterwards: usage, time to first event, completeness, a failure.
 */
export abstract class SseRelay {
  usage: PivotUsage | undefined;
  /** performance.now() when the first event arrived (time to first token). */
  firstEventAt: number | undefined;
  /** The dialect's terminal event arrived: the stream is whole. */
  complete = false;
  /** The message of an error the provider reported inside the stream. */
  failure: string | undefined;
  private readonly frames = new SseFrames();

  /** Feeds upstream bytes; returns what to write to the client now. */
  push(chunk: Uint8Array): string {
    let out = '';
    for (const event of this.frames.push(chunk)) out += this.event(event);
    return out;
  }

  /** The upstream ended: an event that lacked its blank line goes out too. */
  end(): string {
    const rest = this.frames.end();
    return rest === undefined ? '' : this.event(rest);
  }

  /** One whole event as received; returns what the client gets for it. */
  protected abstract event(text: string): string;
}
