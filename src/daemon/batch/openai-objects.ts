import type { Batch, BatchStatus } from '../../store/repos/batches.js';
import type { FileRecord } from '../../store/repos/files.js';

/**
 * A batch's status in OpenAI's words. Queued is 'validating': the input was read and checked when the
 * batch was made, and a queued batch has had no item taken yet (the first claim starts it, so this
 * lasts until a runner looks). There is no 'finalizing': the output and error files are written when
 * a finished batch is first read. 'failed' and 'expired' are never used: an input that cannot be read
 * is refused with a 400, and a batch runs to its end at the pace its limits allow.
 */
export const OPENAI_BATCH_STATUS: Record<BatchStatus, string> = {
  queued: 'validating',
  running: 'in_progress',
  completed: 'completed',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
};

/** Unix seconds of an ISO time, as OpenAI's objects carry them. */
export const unixSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
const maybeSeconds = (iso: string | null): number | null => (iso === null ? null : unixSeconds(iso));

/** A batch as OpenAI's Batch API shows it (`object: "batch"`), whichever API made it. */
export function openAIBatch(batch: Batch) {
  const { status, counts } = batch;
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    errors: null,
    input_file_id: batch.inputFileId,
    completion_window: '24h',
    status: OPENAI_BATCH_STATUS[status],
    output_file_id: batch.outputFileId,
    error_file_id: batch.errorFileId,
    created_at: unixSeconds(batch.createdAt),
    in_progress_at: maybeSeconds(batch.startedAt),
    expires_at: null,
    finalizing_at: null,
    completed_at: status === 'completed' ? maybeSeconds(batch.finishedAt) : null,
    failed_at: null,
    expired_at: null,
    cancelling_at: maybeSeconds(batch.cancelledAt),
    cancelled_at: status === 'cancelled' ? maybeSeconds(batch.finishedAt) : null,
    request_counts: { total: counts.total, completed: counts.completed, failed: counts.failed },
    // Token sums over the items; cached and reasoning tokens are not summed, so their details are left out.
    usage: {
      input_tokens: batch.inputTokens,
      output_tokens: batch.outputTokens,
      total_tokens: batch.inputTokens + batch.outputTokens,
    },
    metadata: batch.metadata,
  };
}

/** A stored file as OpenAI's Files API shows it (`object: "file"`). */
export function openAIFile(file: FileRecord) {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: unixSeconds(file.createdAt),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    expires_at: null,
    status_details: null,
  };
}
