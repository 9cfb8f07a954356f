import { z } from 'zod';
import { roles } from '../../../store/repos/members.js';
import { parseInput, userSchema } from '../../input.js';
import { required } from '../../prompts.js';
import { resolveWorkspace } from '../../scope.js';
import type { VerbRun } from '../../verb.js';

export const run: VerbRun = async (ctx, [user], flags) => {
  const input = parseInput(
    z.object({ user: userSchema, role: z.enum(roles) }),
    { user: await required(ctx, user, '<user>', 'User to add'), role: flags.role },
    { user: '<user>' },
  );
  const { workspace } = await resolveWorkspace(ctx, 'manage-members');
  const store = await ctx.store();
  ctx.out.object(
    store.members.add({ workspaceId: workspace.id, workspaceName: workspace.name, ...input, by: ctx.user }),
  );
};
