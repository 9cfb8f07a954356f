import type { Logger } from 'pino';
import type { Batch, BatchCallback } from '../../store/repos/batches.js';
import type { BatchService } from './batch-service.js';
import { batchView, itemView } from './batch-view.js';
import { watchBatch, type BatchEvent } from './watch-batch.js';

/** How long one callback POST may take before it is given up. */
const POST_TIMEOUT_MS = 10_000;

/** A callback's body, as the original posts it (reference §1.11). */
interface CallbackBody {
  event: 'ITEM_UPDATE' | 'BATCH_UPDATE';
  payload: object;
}

/**
 * Tells a callback batch's URL what happens to it until it ends: `ITEM_UPDATE` as each item finishes,
 * `BATCH_UPDATE` as the batch's status moves, it waits for room, and it ends — those its `events` ask
 * for, one POST at a time, in order. A POST that fails is logged (by the URL's origin: its path,
 * query and headers may carry credentials) and skipped; it never fails the batch. `headers` are the
 * callback's own (credentials, often): given in memory by the route, never stored.
 */
export async function postCallbacks(
  service: BatchService,
  batch: Batch,
  headers: Record<string, string>,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  const callback = batch.callback;
  if (!callback) return;
  for await (const event of watchBatch(service, batch, { clock: service.clock, signal })) {
    const body = callbackBody(event, callback);
    if (!body) continue;
    try {
      const response = await fetch(callback.url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(POST_TIMEOUT_MS)]),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the callback answered ${response.status}`);
    } catch (error) {
      if (signal.aborted) return;
      logger.warn(
        {
          batch: batch.id,
          callback: new URL(callback.url).origin,
          event: body.event,
          reason: (error as Error).message,
        },
        'a batch callback could not be delivered',
      );
    }
  }
}

/** The POST an event makes, or none when the callback did not ask for its kind. */
function callbackBody(event: BatchEvent, callback: BatchCallback): CallbackBody | undefined {
  const wants = (kind: 'item_update' | 'batch_update') =>
    callback.events.includes('all') || callback.events.includes(kind);
  if (event.kind === 'item')
    return wants('item_update') ? { event: 'ITEM_UPDATE', payload: itemView(event.item) } : undefined;
  return wants('batch_update') ? { event: 'BATCH_UPDATE', payload: batchView(event.batch) } : undefined;
}
