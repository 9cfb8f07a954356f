import { z } from 'zod';
import { roles } from '../../../store/repos/members.js';
import { parseInput, userSchema } from '../../input.js';
import { required } from '../../prompts.js';
import { resolveWorkspace } from '../../scope.js';
import type { VerbRun } from '../../verb.js';

export const run: VerbRun = async (ctx, [user, role]) => {
  const input = parseInput(
    z.object({ user: userSchema, role: z.enum(roles) }),
    {
      user: await required(ctx, user, '<user>', 'Member'),
      role: role ?? (ctx.canPrompt ? await ctx.prompter.select('Role', roles.map((r) => ({ name: r, value: r }))) : undefined),
    },
    { user: '<user>', role: '<role>' },
  );
  const { workspace } = await resolveWorkspace(ctx, 'manage-members');
  const store = await ctx.store();
  ctx.out.object(store.members.setRole(workspace.id, workspace.name, input.user, input.role));
};
