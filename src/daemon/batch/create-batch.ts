import { ResourceNotAllowedError } from '../../errors.js';
import type { BatchInputItem } from '../../gateway/batch/input.js';
import type { Batch, BatchItemError, NewBatch, NewBatchItem } from '../../store/repos/batches.js';
import type { BatchService } from './batch-service.js';
import type { Caller } from '../pipeline/auth.js';
import { resolveResource } from '../pipeline/resolve.js';

/** What the route decides of a new batch; who made it and where comes from the caller. */
export type BatchSettings = Pick<
  NewBatch,
  'source' | 'type' | 'endpoint' | 'capacity' | 'callback' | 'inputFileId' | 'metadata'
>;

/**
 * Stores a batch of `items` made by `caller` in its environment and wakes the runner. An item that
 * cannot run fails alone: one that came with its error (a malformed line), and one naming a resource
 * the caller's key may not call (`resource_not_allowed`, as the pipeline would answer 403) — it is
 * refused here so it takes no room under any limit. The runner checks the key again when it runs an
 * item (the allow-list may change meanwhile).
 */
export async function createBatch(
  service: BatchService,
  caller: Caller,
  settings: BatchSettings,
  items: readonly BatchInputItem[],
): Promise<Batch> {
  const batch = await service.store.batches.create(
    {
      ...settings,
      environmentId: caller.env.environment.id,
      keyId: caller.key.id,
      createdBy: `key:${caller.key.name}`,
    },
    items.map((item) => newItem(caller, item)),
  );
  service.wake();
  return batch;
}

function newItem(caller: Caller, item: BatchInputItem): NewBatchItem {
  return {
    line: item.line,
    customId: item.customId,
    route: item.route,
    resource: item.resource,
    request: item.request,
    error: item.error ?? refusal(caller, item.resource),
  };
}

/** The key's allow-list, as the pipeline applies it (resolve.ts); what else it may throw is left to the run. */
function refusal({ env, key }: Caller, resource: string): BatchItemError | null {
  if (key.resources === null) return null;
  try {
    resolveResource(env, key, resource, {});
    return null;
  } catch (error) {
    return error instanceof ResourceNotAllowedError ? { code: error.code, message: error.message } : null;
  }
}
