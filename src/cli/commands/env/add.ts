import { nameSchema, parseInput } from '../../input.js';
import { required } from '../../prompts.js';
import { resolveWorkspace } from '../../scope.js';
import { defineVerb, text } from '../../verb.js';
import { z } from '../../zod.js';

export const verb = defineVerb({
  flags: { description: text('--description <text>', 'what the environment is for') },
  async run({ description }, ctx, [name]) {
    const input = parseInput(
      z.object({ name: nameSchema }),
      { name: await required(ctx, name, '<name>', 'Environment name') },
      { name: '<name>' },
    );
    const { workspace } = await resolveWorkspace(ctx, 'write');
    const store = await ctx.store();
    const environment = await store.environments.create({
      workspaceId: workspace.id,
      workspaceName: workspace.name,
      ...input,
      description,
      user: ctx.user,
    });
    ctx.out.success(`Created environment ${workspace.name}/${environment.name}`);
    ctx.out.object(environment);
  },
});
