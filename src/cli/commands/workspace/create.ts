import { nameSchema, parseInput } from '../../input.js';
import { required } from '../../prompts.js';
import { defineVerb, text } from '../../verb.js';
import { z } from '../../zod.js';

export const verb = defineVerb({
  flags: { description: text('--description <text>', 'what the workspace is for') },
  async run({ description }, ctx, [name]) {
    const input = parseInput(
      z.object({ name: nameSchema }),
      { name: await required(ctx, name, '<name>', 'Workspace name') },
      { name: '<name>' },
    );
    const store = await ctx.store();
    const workspace = await store.workspaces.create({ ...input, description, user: ctx.user });
    ctx.out.success(`Created workspace ${workspace.name}`);
    ctx.out.object({ ...workspace, role: 'owner' });
  },
});
