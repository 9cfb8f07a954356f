import { notFoundIn } from '../../lookup.js';
import { confirmDestructive, required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { findBatch, pendingOf } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    const batch = await findBatch(scope, store, await required(ctx, ref, '<batch>', 'Batch to cancel'));
    if (batch.status !== 'queued' && batch.status !== 'running') {
      if (ctx.out.json) return ctx.out.writeJson(batch);
      return ctx.out.message(`Batch ${batch.id} is already ${batch.status}: nothing to cancel`);
    }
    await confirmDestructive(ctx, `cancel batch ${batch.id} (${pendingOf(batch)} of ${batch.counts.total} items left)`);
    // The cancel reads the batch again: one that finished meanwhile is returned as it is.
    const after = (await store.batches.cancel(scope.environment.id, batch.id)) ?? notFoundIn(scope, 'batch', batch.id);
    if (ctx.out.json) return ctx.out.writeJson(after);
    // Cancelling: items already running finish (their answers are kept); the batch is cancelled after.
    const note = after.status === 'cancelling' ? ` (${after.counts.running} running items finish first)` : '';
    ctx.out.message(`Batch ${after.id}: ${after.status}${note}`);
  },
});
