import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Batch } from '../../../store/repos/batches.js';
import type { BatchService } from '../../batch/batch-service.js';
import type { BatchFollowers } from '../../batch/batch-followers.js';
import { batchView, itemView } from '../../batch/batch-view.js';
import { watchBatch, type BatchEvent } from '../../batch/watch-batch.js';

/** A comment line this often keeps proxies from cutting a stream that waits for a window. */
const KEEP_ALIVE_MS = 15_000;

/**
 * A sync batch's answer: an SSE stream of `{action, payload}` events (reference §1.11) —
 * `batch-created`, then `item-completed` / `item-failed` as items finish, `batch-waiting` (with
 * `nextAt`) when all that is left waits for room, and `batch-completed` or `batch-cancelled` to end.
 * A client that goes away stops the stream, not the batch; so does the daemon closing.
 */
export function streamBatch(
  reply: FastifyReply,
  service: BatchService,
  batch: Batch,
  followers: BatchFollowers,
  logger: Logger,
): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (action: string, payload: object) => raw.write(`data: ${JSON.stringify({ action, payload })}\n\n`);
  send('batch-created', batchView(batch));
  const follow = async (signal: AbortSignal) => {
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    try {
      for await (const event of watchBatch(service, batch, { clock: service.clock, signal })) {
        const told = eventOf(event);
        if (told) send(...told);
      }
    } finally {
      clearInterval(keepAlive);
      raw.end();
    }
  };
  const following = followers.follow(follow, (error) =>
    logger.error({ err: error, batch: batch.id }, 'the stream of a sync batch failed; the batch runs on'),
  );
  raw.once('close', () => following.abort());
}

function eventOf(event: BatchEvent): [string, object] | undefined {
  switch (event.kind) {
    case 'item':
      return [event.item.status === 'completed' ? 'item-completed' : 'item-failed', itemView(event.item)];
    case 'waiting':
      return ['batch-waiting', batchView(event.batch)];
    case 'finished':
      return [event.batch.status === 'cancelled' ? 'batch-cancelled' : 'batch-completed', batchView(event.batch)];
    default:
      return undefined;
  }
}
