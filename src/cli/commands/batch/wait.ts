import { CancelledError, NotFoundError, RuntimeError } from '../../../errors.js';
import type { StoreBackend } from '../../../store/backend.js';
import type { Batch } from '../../../store/repos/batches.js';
import type { CliContext } from '../../context.js';
import type { Sink } from '../../io/output.js';
import { isFinished, progressLine, tokensOf } from './view.js';

/** How often `--wait` reads the batch. */
const POLL_MS = 1_000;

/**
 * `create --wait`: reads the batch until it finishes, then prints a summary (with --json, the finished
 * batch). Every item completed is success; an item failed or cancelled is a runtime failure (exit 1)
 * naming how many. Ctrl-C stops the waiting, not the batch.
 */
export async function waitForBatch(ctx: CliContext, store: StoreBackend, batch: Batch): Promise<void> {
  const finished = await watch(ctx, store, batch);
  if (ctx.out.json) ctx.out.writeJson(finished);
  else ctx.out.message(summary(finished));
  const { total, completed, failed, cancelled } = finished.counts;
  if (completed === total) return;
  throw new RuntimeError(
    `${total - completed} of ${total} items did not complete (${failed} failed, ${cancelled} cancelled)`,
    `see which with \`vmx batch show ${finished.id} --items\``,
  );
}

/** The batch, read every {@link POLL_MS} and its progress shown, until it finishes or Ctrl-C. */
async function watch(ctx: CliContext, store: StoreBackend, batch: Batch): Promise<Batch> {
  const progress = progressPrinter(ctx);
  const interrupt = interruption();
  try {
    let current = batch;
    while (!isFinished(current)) {
      progress.show(progressLine(current, Date.now()));
      if (await interrupt.sleep(POLL_MS)) {
        throw new CancelledError(
          `stopped waiting; batch ${batch.id} keeps running: check it with \`vmx batch show ${batch.id}\``,
        );
      }
      current =
        (await store.batches.get(batch.environmentId, batch.id)) ??
        gone(`batch ${batch.id} no longer exists (its environment was removed)`);
    }
    return current;
  } finally {
    progress.end();
    interrupt.dispose();
  }
}

function gone(message: string): never {
  throw new NotFoundError(message);
}

/** `Batch batch_… completed: 9 done, 1 failed of 10 · tokens 1,234 in, 56 out`. */
function summary(batch: Batch): string {
  const { total, completed, failed, cancelled } = batch.counts;
  const cancelledPart = cancelled ? `, ${cancelled} cancelled` : '';
  return `Batch ${batch.id} ${batch.status}: ${completed} done, ${failed} failed${cancelledPart} of ${total} · tokens ${tokensOf(batch)}`;
}

/**
 * Progress for people: on a terminal one line rewritten in place (cut to its width, so that it never
 * wraps), elsewhere a line for each change; nothing with --json.
 */
function progressPrinter(ctx: CliContext) {
  const stdout: Sink & { columns?: number } = ctx.deps.stdout;
  let last: string | undefined;
  let shown = false;
  return {
    show(line: string): void {
      if (ctx.out.json || line === last) return;
      last = line;
      if (!stdout.isTTY) return void stdout.write(`${line}\n`);
      stdout.write(`\r\x1b[K${stdout.columns ? line.slice(0, stdout.columns - 1) : line}`);
      shown = true;
    },
    /** Clears the terminal's progress line, so that what follows starts on a clean one. */
    end(): void {
      if (shown) stdout.write('\r\x1b[K');
      shown = false;
    },
  };
}

/** Ctrl-C (or SIGTERM) while waiting: the pending sleep ends at once, and every later one. */
function interruption() {
  let interrupted = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    interrupted = true;
    wake?.();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    /** Waits `ms`; true when interrupted meanwhile (or before). */
    sleep: (ms: number) =>
      new Promise<boolean>((resolve) => {
        if (interrupted) return resolve(true);
        const timer = setTimeout(() => resolve(interrupted), ms);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      }),
    dispose(): void {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
