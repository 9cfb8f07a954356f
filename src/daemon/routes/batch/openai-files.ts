import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { InvalidRequestError, VmxError } from '../../../errors.js';
import { filePurposes } from '../../../store/repos/files.js';
import type { BatchService } from '../../batch/batch-service.js';
import { openAIFile } from '../../batch/openai-objects.js';
import type { Gateway } from '../../gateway.js';
import type { Caller } from '../../pipeline/auth.js';
import { check } from '../../pipeline/request-body.js';
import { FULL_PREFIX } from '../route-place.js';
import { findFile, withCaller, type BatchRequest } from './with-caller.js';

const listSchema = z.object({
  purpose: z.enum(filePurposes).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(10_000),
  after: z.string().min(1).optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
});

type ById = { fileId: string };

/**
 * OpenAI's Files API as far as batches need it (`/v1/files`, and under the full prefix): upload a
 * batch input (multipart/form-data, `purpose=batch` and `file`, up to `fileLimit` bytes, else 413),
 * show, list, read and delete the environment's files. Registered in a scope of its own: the
 * multipart parser is for these routes alone, every other body is JSON.
 */
export const openAIFileRoutes =
  (gateway: Gateway, service: BatchService, fileLimit: number): FastifyPluginAsync =>
  async (app) => {
    await app.register(multipart, { limits: { fileSize: fileLimit, files: 1, fields: 16, parts: 32 } });
    for (const base of [`${FULL_PREFIX}/files`, '/v1/files']) {
      app.post(
        base,
        withCaller(gateway, async (caller, request) =>
          openAIFile(await upload(app, service, caller, request, fileLimit)),
        ),
      );
      app.get(
        base,
        withCaller(gateway, async (caller, request) => {
          const { purpose, limit, after, order } = check(listSchema, request.query, []);
          const all = await service.store.files.list(caller.env.environment.id, purpose);
          if (order === 'asc') all.reverse();
          const from = after === undefined ? 0 : all.findIndex((f) => f.id === after) + 1;
          const data = all.slice(from, from + limit).map(openAIFile);
          const [first, last] = [data[0]?.id ?? null, data.at(-1)?.id ?? null];
          return { object: 'list', data, first_id: first, last_id: last, has_more: from + limit < all.length };
        }),
      );
      app.get(
        `${base}/:fileId`,
        withCaller<ById>(gateway, async (caller, request) =>
          openAIFile(await findFile(service, caller, request.params.fileId)),
        ),
      );
      app.get(
        `${base}/:fileId/content`,
        withCaller<ById>(gateway, async (caller, request, reply) => {
          const file = await findFile(service, caller, request.params.fileId);
          const content = await service.store.files.content(file.environmentId, file.id);
          const type = file.purpose === 'batch' ? 'application/octet-stream' : 'application/jsonl';
          return reply.header('content-type', type).send(content ?? Buffer.alloc(0));
        }),
      );
      app.delete(
        `${base}/:fileId`,
        withCaller<ById>(gateway, async (caller, request) => {
          const file = await findFile(service, caller, request.params.fileId);
          await service.store.files.delete(file.environmentId, file.id);
          return { id: file.id, object: 'file', deleted: true };
        }),
      );
    }
  };

/** Reads the form (`purpose` and `file`, in either order) and stores the file. */
async function upload(
  app: FastifyInstance,
  service: BatchService,
  caller: Caller,
  request: BatchRequest,
  limit: number,
) {
  if (!request.isMultipart())
    throw new InvalidRequestError('send the file as multipart/form-data, with the fields purpose and file');
  let purpose: unknown;
  let file: { filename: string; content: Buffer } | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field' && part.fieldname === 'purpose') purpose = part.value;
      else if (part.type === 'file' && part.fieldname === 'file')
        file = { filename: part.filename || 'upload.jsonl', content: await part.toBuffer() };
      else if (part.type === 'file') part.file.resume();
    }
  } catch (error) {
    if (error instanceof app.multipartErrors.RequestFileTooLargeError)
      throw new InvalidRequestError(`file: the file is larger than the limit of ${limit} bytes`, 413);
    if (error instanceof VmxError) throw error;
    throw new InvalidRequestError(`the multipart body could not be read: ${(error as Error).message}`);
  }
  if (purpose !== 'batch')
    throw new InvalidRequestError(
      purpose === undefined ? 'purpose: is required' : 'purpose: must be batch (vmx keeps files for batches only)',
    );
  if (!file) throw new InvalidRequestError('file: is required');
  return service.store.files.create({
    environmentId: caller.env.environment.id,
    purpose: 'batch',
    filename: file.filename,
    content: file.content,
    createdBy: `key:${caller.key.name}`,
  });
}
