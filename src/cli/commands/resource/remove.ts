import { findResource } from '../../lookup.js';
import { confirmDestructive, required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const scope = await resolveEnvironment(ctx, 'write');
    const store = await ctx.store();
    const resource = await findResource(scope, store, await required(ctx, ref, '<resource>', 'Resource to remove'));
    await confirmDestructive(ctx, `remove resource '${resource.name}'`);
    await store.transaction(async (tx) => {
      await tx.apiKeys.forgetResource(scope.environment.id, resource.id);
      await tx.pools.forgetResource(scope.environment.id, resource.id);
      await tx.resources.delete(resource.id);
    });
    if (ctx.out.json) ctx.out.writeJson({ id: resource.id, name: resource.name, deleted: true });
    else ctx.out.message(`Removed resource ${resource.name}`);
  },
});
