import { resolveWorkspace } from '../../scope.js';
import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    const { workspace } = await resolveWorkspace(ctx, 'read');
    const store = await ctx.store();
    ctx.out.list(await store.members.list(workspace.id), [
      { header: 'USER', value: (m) => m.user },
      { header: 'ROLE', value: (m) => m.role },
      { header: 'ADDED', value: (m) => m.addedAt },
      { header: 'ADDED BY', value: (m) => m.addedBy },
    ]);
  },
});
