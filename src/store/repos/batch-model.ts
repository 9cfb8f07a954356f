import type { Capacity } from '../../gateway/capacity/limits.js';

/*
 * What a batch is, as the repositories of every backend take and give it (repos/batches.ts is the
 * SQLite one, and re-exports all of this). Rows and SQL are in batch-rows.ts.
 */

export const batchSources = ['vmx', 'openai', 'cli'] as const;
/** Which API made the batch: vmx's own, OpenAI's Batch API, or the CLI. */
export type BatchSource = (typeof batchSources)[number];
export const batchTypes = ['sync', 'async', 'callback'] as const;
/** How its progress is told: streamed to the caller, polled, or posted to a callback. */
export type BatchType = (typeof batchTypes)[number];
export const batchStatuses = ['queued', 'running', 'completed', 'cancelling', 'cancelled'] as const;
export type BatchStatus = (typeof batchStatuses)[number];
export const batchItemStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type BatchItemStatus = (typeof batchItemStatuses)[number];
export const batchRoutes = ['chat', 'responses', 'messages'] as const;
/** The route an item's request is for: chat completions, responses, Anthropic messages. */
export type BatchRoute = (typeof batchRoutes)[number];
export const batchCallbackEvents = ['batch_update', 'item_update', 'all'] as const;
export type BatchCallbackEvent = (typeof batchCallbackEvents)[number];

/** Where a callback batch posts its updates. */
export interface BatchCallback {
  url: string;
  headers?: Record<string, string>;
  events: BatchCallbackEvent[];
}

/** Why an item failed, as its error file and callbacks tell it. */
export interface BatchItemError {
  code: string;
  message: string;
}

/** A batch's items by status; computed from the items on every read, so always exact. */
export interface BatchCounts {
  total: number;
  queued: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

/** A batch as `create` takes it. */
export interface NewBatch {
  environmentId: string;
  /** The API key that made it (none from the CLI). */
  keyId: string | null;
  createdBy: string;
  source: BatchSource;
  type: BatchType;
  /** The endpoint its items call, e.g. `/v1/chat/completions`. */
  endpoint: string;
  /** The batch's own limits, on top of the connection's, resource's and key's. */
  capacity: Capacity[];
  callback: BatchCallback | null;
  inputFileId?: string | null;
  metadata?: Record<string, string> | null;
}

/** A batch of requests run by the daemons' batch runners (reference §1.11). */
export interface Batch extends Required<NewBatch> {
  id: string;
  status: BatchStatus;
  outputFileId: string | null;
  errorFileId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelledAt: string | null;
  updatedAt: string;
  counts: BatchCounts;
  /** Token sums over its items. */
  inputTokens: number;
  outputTokens: number;
  /** The earliest `notBefore` (ms) of its queued items; null when none is queued. */
  nextAt: number | null;
}

/** An item as `create` takes it; one carrying an `error` is failed from the start (a malformed input line). */
export interface NewBatchItem {
  /** Its line in the uploaded file, when it came from one. */
  line?: number | null;
  customId?: string | null;
  route: BatchRoute;
  /** The name of the resource the request names. */
  resource: string;
  /** The body as a client would send it to `route`; null for a line that was not a JSON object. */
  request: Record<string, unknown> | null;
  error?: BatchItemError | null;
}

/** One request of a batch, with its claim (while running) and its outcome (once finished). */
export interface BatchItem extends Omit<BatchItemOutcome, 'status'> {
  batchId: string;
  /** Its place in the batch, from 0. */
  idx: number;
  line: number | null;
  customId: string | null;
  route: BatchRoute;
  resource: string;
  request: Record<string, unknown> | null;
  status: BatchItemStatus;
  attempts: number;
  /** Not to be claimed before this time (ms since epoch; 0 = at once). */
  notBefore: number;
  claimedBy: string | null;
  /** When the claim's lease runs out (ms): another runner may take the item after that. */
  claimedUntil: number | null;
  updatedAt: number;
}

/** An item a runner claimed, with what it needs of its batch to run it. */
export interface ClaimedItem extends BatchItem {
  environmentId: string;
  keyId: string | null;
  capacity: Capacity[];
}

/** How a runner's attempt at an item ended. */
export interface BatchItemOutcome {
  status: 'completed' | 'failed';
  requestId: string | null;
  statusCode: number | null;
  response: Record<string, unknown> | null;
  error: BatchItemError | null;
  inputTokens: number;
  outputTokens: number;
}

export interface ClaimOptions {
  /** Who claims (a daemon's id): only it may finish or park what it claimed. */
  owner: string;
  /** Now, in ms since epoch. */
  now: number;
  limit: number;
  /** How long the claim holds before another runner may take the item again. */
  leaseMs: number;
}
