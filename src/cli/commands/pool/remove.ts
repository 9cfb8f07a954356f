import { editInTransaction } from '../../edit.js';
import { findPool } from '../../lookup.js';
import { confirmDestructive, required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    const pool = await findPool(scope, store, await required(ctx, ref, '<pool>', 'Pool to remove'));
    await confirmDestructive(ctx, `remove pool '${pool.name}'`);
    // Found again under the write lock: a pool removed meanwhile is reported, not deleted blind.
    await editInTransaction(store, ctx.user, scope, 'write', async (tx) =>
      tx.pools.delete((await findPool(scope, tx, pool.id)).id),
    );
    if (ctx.out.json) ctx.out.writeJson({ id: pool.id, name: pool.name, deleted: true });
    else ctx.out.message(`Removed pool ${pool.name}`);
  },
});
