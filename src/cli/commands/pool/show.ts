import { findPool } from '../../lookup.js';
import { required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { poolView, printPool } from './view.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'read');
    const store = await ctx.store();
    const pool = await findPool(scope, store, await required(ctx, ref, '<pool>', 'Pool'));
    printPool(ctx.out, poolView(pool, await store.resources.list(scope.environment.id)));
  },
});
