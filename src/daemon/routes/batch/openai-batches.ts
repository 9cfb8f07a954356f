import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { InvalidRequestError } from '../../../errors.js';
import {
  BATCH_ENDPOINTS,
  MAX_BATCH_ITEMS,
  parseBatchLines,
  routeOfEndpoint,
  type BatchInputItem,
} from '../../../gateway/batch/input.js';
import type { BatchService } from '../../batch/batch-service.js';
import { createBatch } from '../../batch/create-batch.js';
import { openAIBatch } from '../../batch/openai-objects.js';
import type { ResultFiles } from '../../batch/result-files.js';
import type { Gateway } from '../../gateway.js';
import type { Caller } from '../../pipeline/auth.js';
import { check } from '../../pipeline/request-body.js';
import { FULL_PREFIX } from '../route-place.js';
import { findBatch, findFile, withCaller } from './with-caller.js';

const createSchema = z.object({
  input_file_id: z.string().min(1),
  endpoint: z.string().refine((e) => routeOfEndpoint(e) !== undefined, `must be one of ${BATCH_ENDPOINTS.join(', ')}`),
  completion_window: z.literal('24h'),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
});

const listSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().min(1).optional(),
});

type ById = { batchId: string };

/**
 * OpenAI's Batch API (`/v1/batches`, and under the full prefix), so the official SDKs work with a base
 * URL alone: create from an uploaded file, retrieve, list, cancel. A finished batch is shown with its
 * output and error files ({@link ResultFiles}), written the first time it is read.
 */
export const openAIBatchRoutes =
  (gateway: Gateway, service: BatchService, results: ResultFiles): FastifyPluginAsync =>
  async (app) => {
    for (const base of [`${FULL_PREFIX}/batches`, '/v1/batches']) {
      app.post(
        base,
        withCaller(gateway, async (caller, request) => openAIBatch(await create(service, caller, request.body))),
      );
      app.get(
        base,
        withCaller(gateway, async (caller, request) => {
          const { limit, after } = check(listSchema, request.query, []);
          const page = await service.store.batches.list(caller.env.environment.id, { limit: limit + 1, after });
          const data = await Promise.all(page.slice(0, limit).map(async (b) => openAIBatch(await results.of(b))));
          const [first, last] = [data[0]?.id ?? null, data.at(-1)?.id ?? null];
          return { object: 'list', data, first_id: first, last_id: last, has_more: page.length > limit };
        }),
      );
      app.get(
        `${base}/:batchId`,
        withCaller<ById>(gateway, async (caller, request) =>
          openAIBatch(await results.of(await findBatch(service, caller, request.params.batchId))),
        ),
      );
      app.post(
        `${base}/:batchId/cancel`,
        withCaller<ById>(gateway, async (caller, request) => {
          const batch = await findBatch(service, caller, request.params.batchId);
          const cancelled = await service.store.batches.cancel(batch.environmentId, batch.id);
          service.wake();
          return openAIBatch(await results.of(cancelled ?? batch));
        }),
      );
    }
  };

/** A batch from an uploaded file's lines: a line that cannot run fails alone, naming its line. */
async function create(service: BatchService, caller: Caller, body: unknown) {
  const input = check(createSchema, body, []);
  const route = routeOfEndpoint(input.endpoint)!;
  const file = await findFile(service, caller, input.input_file_id);
  if (file.purpose !== 'batch')
    throw new InvalidRequestError(`input_file_id: file '${file.id}' has purpose ${file.purpose}, not batch`);
  const content = await service.store.files.content(file.environmentId, file.id);
  const items = parseBatchLines(content?.toString('utf8') ?? '', { route }).map((item) =>
    sameEndpoint(item, input.endpoint),
  );
  if (items.length === 0) throw new InvalidRequestError(`input_file_id: file '${file.id}' holds no requests`);
  if (items.length > MAX_BATCH_ITEMS)
    throw new InvalidRequestError(`input_file_id: a batch holds at most ${MAX_BATCH_ITEMS} requests`);
  return createBatch(
    service,
    caller,
    {
      source: 'openai',
      type: 'async',
      endpoint: input.endpoint,
      capacity: [],
      callback: null,
      inputFileId: file.id,
      metadata: input.metadata ?? null,
    },
    items,
  );
}

/** As OpenAI's: every line calls the batch's endpoint; one that names another fails. */
function sameEndpoint(item: BatchInputItem, endpoint: string): BatchInputItem {
  if (item.error || item.route === routeOfEndpoint(endpoint)) return item;
  const where = item.line === null ? 'item' : `line ${item.line}`;
  return {
    ...item,
    error: { code: 'invalid_request', message: `${where}: url must be the batch's endpoint, ${endpoint}` },
  };
}
