import type { FastifyPluginAsync } from 'fastify';
import type { BatchService } from '../../batch/batch-service.js';
import type { BatchFollowers } from '../../batch/batch-followers.js';
import { batchView, itemView } from '../../batch/batch-view.js';
import { createBatch } from '../../batch/create-batch.js';
import { postCallbacks } from '../../batch/post-callbacks.js';
import { readVmxBatchRequest } from '../../batch/vmx-batch-request.js';
import type { Gateway } from '../../gateway.js';
import { streamBatch } from './sync-stream.js';
import { findBatch, withCaller } from './with-caller.js';

const PREFIX = '/v1/completion-batch/:workspace/:environment';

type ById = { batchId: string };

/**
 * vmx's batch routes (reference §1.11): `POST /v1/completion-batch/{ws}/{env}` makes a batch —
 * `async` answers it, `sync` streams its progress, `callback` answers it and posts its progress to
 * the callback URL from this daemon — `GET …/{batchId}` shows it (`?items=true` with its items'
 * outcomes), `POST …/{batchId}/cancel` cancels it.
 */
export const vmxBatchRoutes =
  (gateway: Gateway, service: BatchService, followers: BatchFollowers): FastifyPluginAsync =>
  async (app) => {
    app.post(
      PREFIX,
      withCaller(gateway, async (caller, request, reply) => {
        const { settings, items } = readVmxBatchRequest(request.body);
        // Callback headers may carry credentials: they stay in this daemon's memory, never in the store.
        const headers = settings.callback?.headers ?? {};
        const callback = settings.callback && { url: settings.callback.url, events: settings.callback.events };
        const batch = await createBatch(service, caller, { ...settings, callback: callback ?? null }, items);
        if (batch.type === 'sync') return streamBatch(reply, service, batch, followers, gateway.logger);
        if (batch.type === 'callback')
          followers.follow(
            (signal) => postCallbacks(service, batch, headers, gateway.logger, signal),
            (error) => gateway.logger.error({ err: error, batch: batch.id }, 'batch callbacks stopped'),
          );
        return batchView(batch);
      }),
    );

    app.get(
      `${PREFIX}/:batchId`,
      withCaller<ById>(gateway, async (caller, request) => {
        const batch = await findBatch(service, caller, request.params.batchId);
        const withItems = request.query.items === 'true' || request.query.items === '1';
        if (!withItems) return batchView(batch);
        return { ...batchView(batch), items: (await service.store.batches.items(batch.id)).map(itemView) };
      }),
    );

    app.post(
      `${PREFIX}/:batchId/cancel`,
      withCaller<ById>(gateway, async (caller, request) => {
        const batch = await findBatch(service, caller, request.params.batchId);
        const cancelled = await service.store.batches.cancel(batch.environmentId, batch.id);
        service.wake();
        return batchView(cancelled ?? batch);
      }),
    );
  };
