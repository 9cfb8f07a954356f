import type { Batch, BatchCounts, BatchItem, BatchItemStatus, BatchStatus } from '../../store/repos/batches.js';

/** A batch that will not change any more: every item finished, or the batch cancelled. */
export const isFinished = (status: BatchStatus): boolean => status === 'completed' || status === 'cancelled';

/** An item that has its outcome (answered, failed, or cancelled before it ran). */
export const isItemFinished = (status: BatchItemStatus): boolean => status !== 'queued' && status !== 'running';

/** How many of a batch's items have their outcome. */
export const finishedCount = (counts: BatchCounts): number => counts.completed + counts.failed + counts.cancelled;

/** The share of items that have their outcome, in percent with two decimals (100 only once all have). */
export const completedPercentage = (counts: BatchCounts): number =>
  counts.total === 0 ? 100 : Math.floor((finishedCount(counts) * 10_000) / counts.total) / 100;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * A batch as vmx's batch routes show it (reference §1.11): its progress and times, never what is only
 * the store's business (claims) nor the callback's headers (they may carry credentials).
 */
export function batchView(batch: Batch) {
  return {
    id: batch.id,
    object: 'completion_batch',
    status: batch.status,
    type: batch.type,
    source: batch.source,
    endpoint: batch.endpoint,
    counts: batch.counts,
    totalItems: batch.counts.total,
    completedPercentage: completedPercentage(batch.counts),
    inputTokens: batch.inputTokens,
    outputTokens: batch.outputTokens,
    /** When the next parked item may run, while some wait for room. */
    nextAt: iso(batch.nextAt),
    capacity: batch.capacity,
    callback: batch.callback && { url: batch.callback.url, events: batch.callback.events },
    inputFileId: batch.inputFileId,
    outputFileId: batch.outputFileId,
    errorFileId: batch.errorFileId,
    metadata: batch.metadata,
    createdAt: batch.createdAt,
    startedAt: batch.startedAt,
    finishedAt: batch.finishedAt,
    cancelledAt: batch.cancelledAt,
  };
}

/** One item's outcome as the batch routes, the sync stream and the callbacks show it. */
export function itemView(item: BatchItem) {
  return {
    batchId: item.batchId,
    idx: item.idx,
    customId: item.customId,
    line: item.line,
    resource: item.resource,
    status: item.status,
    statusCode: item.statusCode,
    requestId: item.requestId,
    response: item.response,
    error: item.error,
    inputTokens: item.inputTokens,
    outputTokens: item.outputTokens,
  };
}
