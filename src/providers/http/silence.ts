import type { ConnectionTarget } from '../types.js';
import { UpstreamUnavailable } from '../types.js';

/*
 * Silence inside an answer, as every adapter reports it (apart from undici, so that adapters which load
 * their SDK lazily can import this up front).
 */

/** True for undici's "no body bytes within bodyTimeout", thrown as is or (by fetch) as the cause of `terminated`. */
export function isBodyTimeout(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
  return code === 'UND_ERR_BODY_TIMEOUT';
}

/** The provider went quiet for longer than the connection's idle gap inside its answer. */
export const wentSilent = (target: ConnectionTarget, idleMs: number) =>
  new UpstreamUnavailable(`${target.name} went silent for ${idleMs} ms in the middle of its answer`, 504);

/**
 * Iterates `source`, giving up when the next item takes longer than `ms`: `onSilence` is called
 * (it should abort the request under `source`) and its error is thrown. The clock only runs while
 * the consumer is waiting, so a slow reader never counts as a silent provider. For SDKs that read
 * the body themselves (Bedrock's event stream), where no `bodyTimeout` can be set.
 */
export async function* withIdleGap<T>(source: AsyncIterable<T>, ms: number, onSilence: () => Error): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  try {
    for (;;) {
      const silence = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onSilence()), ms);
      });
      let next: IteratorResult<T>;
      try {
        next = await Promise.race([iterator.next(), silence]);
      } catch (error) {
        // The source failed or went silent: either way it is over (an aborted source cannot be returned).
        finished = true;
        throw error;
      } finally {
        clearTimeout(timer);
      }
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}
