/**
 * SSE framing for the stream encoders. Every codec writes its events through here so the framing
 * (one `data:` line per event, blank-line terminator) is the same everywhere.
 */

/**
 * One SSE event as text: `event: <name>\n` (when given) then `data: <JSON>\n\n`.
 * JSON.stringify never emits a raw newline, so a single `data:` line is always enough.
 */
export function sseEvent(data: unknown, event?: string): string {
  const body = `data: ${JSON.stringify(data)}\n\n`;
  return event === undefined ? body : `event: ${event}\n${body}`;
}

/** The OpenAI end-of-stream sentinel, which is not JSON and so cannot go through `sseEvent`. */
export const SSE_DONE = 'data: [DONE]\n\n';
