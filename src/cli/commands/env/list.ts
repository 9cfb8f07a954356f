import { resolveWorkspace } from '../../scope.js';
import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    const { workspace } = await resolveWorkspace(ctx, 'read');
    const store = await ctx.store();
    ctx.out.list(
      await store.environments.list(workspace.id),
      [
        { header: 'NAME', value: (e) => e.name },
        { header: 'DESCRIPTION', value: (e) => e.description },
        { header: 'ID', value: (e) => e.id },
      ],
      `no environments in ${workspace.name} yet: add one with \`vmx env add <name> -w ${workspace.name}\``,
    );
  },
});
