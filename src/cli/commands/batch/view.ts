import { formatLimits } from '../../../gateway/capacity/limits.js';
import type { Repositories } from '../../../store/backend.js';
import type { Batch, BatchItem } from '../../../store/repos/batches.js';
import { formatCount, type Output } from '../../io/output.js';
import { notFoundIn } from '../../lookup.js';
import type { EnvironmentScope } from '../../scope.js';
import { formatTime } from '../usage/window.js';

/** What list prints when the environment has no batches. */
export const NO_BATCHES = 'no batches yet: create one with `vmx batch create --file items.jsonl`';

/** A batch of the scope's environment by id, or a not-found error naming the environment. */
export const findBatch = async (scope: EnvironmentScope, store: Repositories, id: string): Promise<Batch> =>
  (await store.batches.get(scope.environment.id, id.trim())) ?? notFoundIn(scope, 'batch', id);

/** A batch is finished once none of its items is queued or running (cancelling still has some running). */
export const isFinished = (batch: Batch): boolean => batch.status === 'completed' || batch.status === 'cancelled';

/** Items still to run: queued (perhaps waiting for a window) or running. */
export const pendingOf = (batch: Batch): number => batch.counts.queued + batch.counts.running;

/**
 * When everything left of the batch waits for a window of its limits (nothing running, its queued
 * items not due before then): that time in ms, else null.
 */
function nextWindow(batch: Batch, now: number): number | null {
  const { queued, running } = batch.counts;
  return running === 0 && queued > 0 && batch.nextAt !== null && batch.nextAt > now ? batch.nextAt : null;
}

/** Local `HH:MM:SS`. */
const clockTime = (at: number): string => formatTime(at).slice(11);

/** `1,234 in, 56 out`: the tokens of the batch's items so far. */
export const tokensOf = (batch: Batch): string =>
  `${formatCount(batch.inputTokens)} in, ${formatCount(batch.outputTokens)} out`;

/** One line of progress: `3 done, 1 failed, 6 pending of 10 · tokens 1,234 in, 56 out · waiting for …`. */
export function progressLine(batch: Batch, now: number): string {
  const { completed, failed, cancelled, total } = batch.counts;
  const parts = [
    `${formatCount(completed)} done, ${formatCount(failed)} failed, ${formatCount(pendingOf(batch))} pending of ${formatCount(total)}` +
      (cancelled ? `, ${formatCount(cancelled)} cancelled` : ''),
    `tokens ${tokensOf(batch)}`,
  ];
  const window = nextWindow(batch, now);
  if (window !== null) parts.push(`waiting for the next window at ${clockTime(window)}`);
  if (batch.status === 'cancelling') parts.push('cancelling: waiting for its running items');
  return parts.join(' · ');
}

/** For --json the batch as stored (with its items when asked); for people `key: value` lines and an items table. */
export function printBatch(out: Output, batch: Batch, items: BatchItem[] | undefined, now: number): void {
  if (out.json) return out.writeJson(items ? { ...batch, items } : batch);
  const { counts } = batch;
  const window = nextWindow(batch, now);
  out.object({
    id: batch.id,
    status: batch.status,
    source: batch.source,
    createdBy: batch.createdBy,
    limits: formatLimits(batch.capacity),
    total: counts.total,
    completed: counts.completed,
    failed: counts.failed,
    cancelled: counts.cancelled,
    queued: counts.queued,
    running: counts.running,
    tokens: tokensOf(batch),
    nextWindow: window === null ? null : `${clockTime(window)} (every item left waits for it)`,
    inputFile: batch.inputFileId,
    createdAt: batch.createdAt,
    startedAt: batch.startedAt,
    finishedAt: batch.finishedAt,
    cancelledAt: batch.cancelledAt,
    audit: `vmx audit list --correlation-id ${batch.id}`,
  });
  if (items) printItems(out, items);
}

const ERROR_WIDTH = 60;

/** The items table of `show --items`: CODE is the HTTP status an item got, or its error code when it got none. */
function printItems(out: Output, items: BatchItem[]): void {
  out.message('');
  out.list(
    items,
    [
      { header: '#', value: (i) => i.idx + 1 },
      { header: 'LINE', value: (i) => i.line },
      { header: 'CUSTOM ID', value: (i) => i.customId },
      { header: 'STATUS', value: (i) => i.status },
      { header: 'CODE', value: (i) => i.statusCode ?? i.error?.code },
      {
        header: 'ERROR',
        value: ({ error }) =>
          error && error.message.length > ERROR_WIDTH ? `${error.message.slice(0, ERROR_WIDTH - 1)}…` : error?.message,
      },
    ],
    'no items',
  );
}
