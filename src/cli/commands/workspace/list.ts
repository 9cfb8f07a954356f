import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    const store = await ctx.store();
    ctx.out.list(
      await store.workspaces.listForUser(ctx.user),
      [
        { header: 'NAME', value: (w) => w.name },
        { header: 'ROLE', value: (w) => w.role },
        { header: 'DESCRIPTION', value: (w) => w.description },
        { header: 'ID', value: (w) => w.id },
      ],
      'no workspaces yet: create one with `vmx workspace create <name>`',
    );
  },
});
