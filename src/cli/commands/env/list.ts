import { resolveWorkspace } from '../../scope.js';
import type { VerbRun } from '../../verb.js';

export const run: VerbRun = async (ctx) => {
  const { workspace } = await resolveWorkspace(ctx, 'read');
  const store = await ctx.store();
  ctx.out.list(
    store.environments.list(workspace.id),
    [
      { header: 'NAME', value: (e) => e.name },
      { header: 'DESCRIPTION', value: (e) => e.description },
      { header: 'ID', value: (e) => e.id },
    ],
    `no environments in ${workspace.name} yet: add one with \`vmx env add <name> -w ${workspace.name}\``,
  );
};
