import { resolveEnvironment } from '../../scope.js';
import type { VerbRun } from '../../verb.js';

export const run: VerbRun = async (ctx, [ref]) => {
  const { workspace, environment } = await resolveEnvironment(ctx, 'read', ref);
  ctx.out.object({ ...environment, workspace: workspace.name });
};
