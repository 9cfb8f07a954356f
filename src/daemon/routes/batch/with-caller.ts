import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, VmxError } from '../../../errors.js';
import type { Batch } from '../../../store/repos/batches.js';
import type { FileRecord } from '../../../store/repos/files.js';
import type { BatchService } from '../../batch/batch-service.js';
import type { Gateway } from '../../gateway.js';
import { errorResponse } from '../../http-errors.js';
import { authorize, type Caller } from '../../pipeline/auth.js';
import { placeOf, type PlaceParams } from '../route-place.js';

/** A batch or file route's request: the place (on the full routes), its ids, its query. */
export type BatchRequest<P = object> = FastifyRequest<{
  Params: PlaceParams & P;
  Querystring: Record<string, string | undefined>;
}>;

/**
 * A batch or file route handler run as its caller: the key (and the path's environment, on the full
 * routes) checked first; any failure answered in OpenAI's error shape. The handler's result is the
 * JSON answer. What is not a VmxError is a bug: logged, and a plain 500 to the client.
 */
export function withCaller<P = object>(
  gateway: Gateway,
  handle: (caller: Caller, request: BatchRequest<P>, reply: FastifyReply) => Promise<unknown>,
) {
  return async (request: BatchRequest<P>, reply: FastifyReply): Promise<unknown> => {
    try {
      const caller = await gateway.config.fresh((snapshot) =>
        authorize(snapshot, placeOf(request.params as PlaceParams), request.headers),
      );
      return await handle(caller, request, reply);
    } catch (error) {
      if (!(error instanceof VmxError))
        gateway.logger.error({ err: error, url: request.url.split('?', 1)[0] }, 'a batch route failed');
      const { status, headers, text } = errorResponse(error, 'openai-chat');
      return reply.code(status).headers(headers).send(text);
    }
  };
}

/** The caller's environment's batch, or a 404. */
export async function findBatch(service: BatchService, caller: Caller, id: string): Promise<Batch> {
  const batch = await service.store.batches.get(caller.env.environment.id, id);
  if (!batch) throw new NotFoundError(`batch '${id}' not found`);
  return batch;
}

/** The caller's environment's file, or a 404. */
export async function findFile(service: BatchService, caller: Caller, id: string): Promise<FileRecord> {
  const file = await service.store.files.get(caller.env.environment.id, id);
  if (!file) throw new NotFoundError(`file '${id}' not found`);
  return file;
}
