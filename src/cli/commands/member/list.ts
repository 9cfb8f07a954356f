import { resolveWorkspace } from '../../scope.js';
import type { VerbRun } from '../../verb.js';

export const run: VerbRun = async (ctx) => {
  const { workspace } = await resolveWorkspace(ctx, 'read');
  const store = await ctx.store();
  ctx.out.list(store.members.list(workspace.id), [
    { header: 'USER', value: (m) => m.user },
    { header: 'ROLE', value: (m) => m.role },
    { header: 'ADDED', value: (m) => m.addedAt },
    { header: 'ADDED BY', value: (m) => m.addedBy },
  ]);
};
