import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb, toggle } from '../../verb.js';
import { findBatch, printBatch } from './view.js';

export const verb = defineVerb({
  flags: { items: toggle('--items', 'its items too: a table (with --json, each in full, with its response)') },
  async run({ items }, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const batch = await findBatch(scope, store, await required(ctx, ref, '<batch>', 'Batch id'));
    printBatch(ctx.out, batch, items ? await store.batches.items(batch.id) : undefined, Date.now());
  },
});
