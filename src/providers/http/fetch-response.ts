import type { UpstreamResponse } from '../types.js';

/** A fetch Response (what the official SDKs hand back from `.asResponse()`) as an UpstreamResponse. */
export function fromFetchResponse(response: Response): UpstreamResponse {
  const stream = response.body;
  const body = {
    async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      if (!stream) return;
      for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) yield chunk;
    },
    text: () => response.text(),
    destroy: () => void stream?.cancel().catch(() => undefined),
  };
  return { status: response.status, headers: Object.fromEntries(response.headers), body };
}

/** An UpstreamResponse for an answer that is already complete in memory (an error body, a JSON reply). */
export function bufferedResponse(
  status: number,
  text: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): UpstreamResponse {
  const bytes = new TextEncoder().encode(text);
  return {
    status,
    headers,
    body: {
      async *[Symbol.asyncIterator]() {
        yield bytes;
      },
      text: async () => text,
      destroy: () => undefined,
    },
  };
}
