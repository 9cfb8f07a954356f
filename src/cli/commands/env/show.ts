import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const { workspace, environment } = await resolveEnvironment(ctx, 'read', ref);
    ctx.out.object({ ...environment, workspace: workspace.name });
  },
});
