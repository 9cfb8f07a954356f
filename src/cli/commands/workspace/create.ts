import { z } from 'zod';
import { nameSchema, parseInput } from '../../input.js';
import { required } from '../../prompts.js';
import type { VerbRun } from '../../verb.js';

export const run: VerbRun = async (ctx, [name], flags) => {
  const input = parseInput(
    z.object({ name: nameSchema, description: z.string().optional() }),
    { name: await required(ctx, name, '<name>', 'Workspace name'), description: flags.description },
    { name: '<name>' },
  );
  const store = await ctx.store();
  const workspace = store.workspaces.create({ ...input, user: ctx.user });
  ctx.out.object({ ...workspace, role: 'owner' });
};
