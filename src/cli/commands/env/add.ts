import { z } from 'zod';
import { nameSchema, parseInput } from '../../input.js';
import { required } from '../../prompts.js';
import { resolveWorkspace } from '../../scope.js';
import type { VerbRun } from '../../verb.js';

export const run: VerbRun = async (ctx, [name], flags) => {
  const input = parseInput(
    z.object({ name: nameSchema, description: z.string().optional() }),
    { name: await required(ctx, name, '<name>', 'Environment name'), description: flags.description },
    { name: '<name>' },
  );
  const { workspace } = await resolveWorkspace(ctx, 'write');
  const store = await ctx.store();
  const environment = store.environments.create({
    workspaceId: workspace.id,
    workspaceName: workspace.name,
    ...input,
    user: ctx.user,
  });
  ctx.out.object(environment);
};
