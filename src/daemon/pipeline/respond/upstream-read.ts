import { createSseDecoder } from '../../../providers/dialects/sse-parse.js';
import type { WireEvent } from '../../../providers/pivot.js';
import { UpstreamUnavailable, type UpstreamResponse } from '../../../providers/types.js';

/** Events from the provider: already parsed by its SDK, or SSE parsed from the body as it arrives. */
export async function eachWireEvent(
  response: UpstreamResponse,
  handle: (event: WireEvent) => Promise<void>,
): Promise<void> {
  if (response.events) return eachChunk(response.events, handle);
  const queue: WireEvent[] = [];
  const sse = createSseDecoder((event) => queue.push(event));
  await eachChunk(response.body, async (chunk) => {
    sse.push(chunk);
    for (const event of queue.splice(0)) await handle(event);
  });
  sse.end();
  for (const event of queue.splice(0)) await handle(event);
}

/**
 * Iterates what the provider sends. A failure while reading it is the provider's (it broke off, went
 * silent); a failure while handling a piece is the gateway's and is thrown as it is.
 */
export async function eachChunk<T>(source: AsyncIterable<T>, handle: (item: T) => Promise<void>): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        finished = true;
        throw brokeOff(error);
      }
      if (next.done) {
        finished = true;
        return;
      }
      await handle(next.value);
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}

/** The provider's whole answer as text; a failure while reading it is the provider's. */
export async function readText(response: UpstreamResponse): Promise<string> {
  try {
    return await response.body.text();
  } catch (error) {
    throw brokeOff(error);
  }
}

/** A failure while reading a provider's answer: 504 when it went silent, else 502. */
function brokeOff(error: unknown): UpstreamUnavailable {
  if (error instanceof UpstreamUnavailable) return error;
  const code = (error as { code?: string })?.code;
  if (code === 'UND_ERR_BODY_TIMEOUT')
    return new UpstreamUnavailable('the provider went silent in the middle of its answer', 504);
  return new UpstreamUnavailable(`the provider's answer broke off: ${(error as Error)?.message ?? String(error)}`, 502);
}
