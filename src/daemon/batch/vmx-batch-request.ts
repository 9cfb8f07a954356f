import { z } from 'zod';
import { endpointOfItems, MAX_BATCH_ITEMS, readItem, type BatchInputItem } from '../../gateway/batch/input.js';
import { capacitySchema } from '../../gateway/capacity/limits.js';
import { batchCallbackEvents, batchTypes } from '../../store/repos/batches.js';
import { check } from '../pipeline/request-body.js';
import type { BatchSettings } from './create-batch.js';

/** The original writes types and events upper-case (`SYNC`, `ITEM_UPDATE`): both spellings are taken. */
const anyCase = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(z.enum(values));

const callbackSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  headers: z.record(z.string(), z.string()).optional(),
  events: z.array(anyCase(batchCallbackEvents)).min(1, 'name at least one event'),
});

/**
 * `POST /v1/completion-batch/{ws}/{env}` (reference §1.11). Items are read one by one afterwards
 * (`readItem`), so that a bad one fails alone; what vmx does not read passes unremarked.
 */
const bodySchema = z
  .object({
    type: anyCase(batchTypes),
    items: z
      .array(z.unknown())
      .min(1, 'must hold at least one item')
      .max(MAX_BATCH_ITEMS, `a batch holds at most ${MAX_BATCH_ITEMS} items`),
    capacity: z.array(capacitySchema).optional(),
    callback: callbackSchema.optional(),
  })
  .refine((body) => body.type !== 'callback' || body.callback !== undefined, {
    path: ['callback'],
    message: 'is required for a callback batch',
  });

/** A vmx batch request as read: the batch's settings and its items (failed ones naming their index). */
export interface VmxBatchRequest {
  settings: BatchSettings;
  items: BatchInputItem[];
}

/** Reads the body of a vmx batch request; a 400 names the first field that is wrong. */
export function readVmxBatchRequest(body: unknown): VmxBatchRequest {
  const parsed = check(bodySchema, body, []);
  const items = parsed.items.map((value, i) => {
    const item = readItem(value, null);
    // readItem says "item: …" of an item given in an array: say which.
    return item.error
      ? { ...item, error: { ...item.error, message: item.error.message.replace(/^item/, `items[${i}]`) } }
      : item;
  });
  return {
    settings: {
      source: 'vmx',
      type: parsed.type,
      endpoint: endpointOfItems(items),
      capacity: parsed.capacity ?? [],
      callback: parsed.type === 'callback' ? parsed.callback! : null,
      inputFileId: null,
      metadata: null,
    },
    items,
  };
}
