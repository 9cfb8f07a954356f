import { resolveWorkspace } from '../../scope.js';
import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const { workspace, role } = await resolveWorkspace(ctx, 'read', ref);
    const store = await ctx.store();
    const environments = (await store.environments.list(workspace.id)).map((e) => e.name);
    ctx.out.object({ ...workspace, role, environments });
  },
});
