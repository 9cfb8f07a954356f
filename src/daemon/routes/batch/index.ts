import type { FastifyPluginAsync } from 'fastify';
import type { BatchService } from '../../batch/batch-service.js';
import { BatchFollowers } from '../../batch/batch-followers.js';
import { ResultFiles } from '../../batch/result-files.js';
import type { Gateway } from '../../gateway.js';
import { openAIBatchRoutes } from './openai-batches.js';
import { openAIFileRoutes } from './openai-files.js';
import { vmxBatchRoutes } from './vmx-batches.js';

export interface BatchRouteOptions {
  /** The largest file `POST /v1/files` takes, in bytes. */
  fileLimit: number;
}

/**
 * The batch routes: vmx's own (`/v1/completion-batch/{ws}/{env}`) and OpenAI's Batch and Files APIs.
 * Sync streams and callback posters end when the daemon closes; their batches run on.
 */
export const batchRoutes =
  (gateway: Gateway, service: BatchService, options: BatchRouteOptions): FastifyPluginAsync =>
  async (app) => {
    const followers = new BatchFollowers();
    app.addHook('preClose', async () => followers.stop());
    await app.register(vmxBatchRoutes(gateway, service, followers));
    await app.register(openAIBatchRoutes(gateway, service, new ResultFiles(service)));
    await app.register(openAIFileRoutes(gateway, service, options.fileLimit));
  };
