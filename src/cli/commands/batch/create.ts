import { endpointOfItems } from '../../../gateway/batch/input.js';
import { parseLimits, type Capacity } from '../../../gateway/capacity/limits.js';
import type { StoreBackend } from '../../../store/backend.js';
import type { Batch, NewBatchItem } from '../../../store/repos/batches.js';
import type { CliContext } from '../../context.js';
import type { Output } from '../../io/output.js';
import { findResource } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment, type EnvironmentScope } from '../../scope.js';
import { defineVerb, list, text, toggle } from '../../verb.js';
import { runningDaemon } from '../daemon/daemon-process.js';
import { batchItems, readItemsFile, type ItemsFile } from './items.js';
import { isFinished } from './view.js';
import { waitForBatch } from './wait.js';

/** Failed lines warned about one by one; the rest are counted. */
const WARNED_LINES = 5;

/**
 * Creates a batch in the store — the daemons' batch runners work it off, at the pace its limits allow —
 * from a JSONL file stored with it as its input file. Lines that cannot run are failed items of the
 * batch, each warned about; they never refuse the file.
 */
export const verb = defineVerb({
  flags: {
    file: text('--file <path>', 'the items, one request per line (JSONL; - reads stdin)'),
    resource: text('--resource <name|id>', "the resource of lines that name none (no resource, no request's model)"),
    limit: list(
      '--limit <spec>',
      "the batch's own capacity, on top of its resources' and connections', e.g. 60r/m or 100000t/h (repeatable)",
    ),
    wait: toggle('--wait', 'wait until it finishes, showing progress (exit 1 when an item failed)'),
  },
  async run(flags, ctx) {
    const capacity = parseLimits(flags.limit ?? []);
    const file = await readItemsFile(ctx, await required(ctx, flags.file, '--file', 'Items file (JSONL)'));
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    const fallback = flags.resource && (await findResource(scope, store, flags.resource)).name;
    const items = batchItems(file, scope, await store.resources.list(scope.environment.id), fallback);
    const batch = await createBatch(ctx, store, scope, { file, items, capacity });
    warnFailed(ctx.out, items, batch.id);
    announce(ctx, batch);
    if (flags.wait) return waitForBatch(ctx, store, batch);
    if (ctx.out.json) ctx.out.writeJson(batch);
  },
});

/** The input file, then the batch that names it (the file is removed again if the batch cannot be made). */
async function createBatch(
  ctx: CliContext,
  store: StoreBackend,
  scope: EnvironmentScope,
  { file, items, capacity }: { file: ItemsFile; items: NewBatchItem[]; capacity: Capacity[] },
): Promise<Batch> {
  const environmentId = scope.environment.id;
  const input = await store.files.create({
    environmentId,
    purpose: 'batch',
    filename: file.filename,
    content: Buffer.from(file.text),
    createdBy: ctx.user,
  });
  try {
    return await store.batches.create(
      {
        environmentId,
        keyId: null,
        createdBy: ctx.user,
        source: 'cli',
        type: 'async',
        endpoint: endpointOfItems(items),
        capacity,
        callback: null,
        inputFileId: input.id,
      },
      items,
    );
  } catch (error) {
    await store.files.delete(environmentId, input.id);
    throw error;
  }
}

/** One warning per failed line, up to {@link WARNED_LINES}; then how many more. */
function warnFailed(out: Output, items: NewBatchItem[], batchId: string): void {
  const failed = items.filter((item) => item.error);
  for (const item of failed.slice(0, WARNED_LINES)) out.warn(item.error!.message);
  if (failed.length > WARNED_LINES)
    out.warn(`and ${failed.length - WARNED_LINES} more: see \`vmx batch show ${batchId} --items\``);
}

/**
 * What was made and who works it off: any daemon on a shared store; on the embedded one the daemon of
 * this data dir, said when none runs (nothing happens until one does).
 */
function announce(ctx: CliContext, batch: Batch): void {
  const { total, failed } = batch.counts;
  const failedPart = failed ? `, ${failed} failed from the start` : '';
  ctx.out.message(`Created batch ${batch.id}: ${total} items${failedPart}`);
  if (isFinished(batch)) return; // every line failed: nothing left to run
  const show = `\`vmx batch show ${batch.id}\` for progress`;
  if (ctx.storeUrls().databaseUrl) {
    ctx.out.message(`any \`vmx serve\` on this store works it off; ${show}`);
    return;
  }
  ctx.out.message(`run \`vmx serve\` (or keep it running) to work it off; ${show}`);
  if (!runningDaemon(ctx.paths))
    ctx.out.warn('no daemon is running for this data dir: the batch waits until `vmx serve` starts');
}
