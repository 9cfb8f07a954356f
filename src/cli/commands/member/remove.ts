import { NotFoundError } from '../../../errors.js';
import { confirmDestructive, required } from '../../prompts.js';
import { resolveWorkspace } from '../../scope.js';
import type { VerbRun } from '../../verb.js';

export const run: VerbRun = async (ctx, [user]) => {
  const target = await required(ctx, user, '<user>', 'Member to remove');
  const { workspace } = await resolveWorkspace(ctx, 'manage-members');
  const store = await ctx.store();
  if (!store.members.get(workspace.id, target)) {
    throw new NotFoundError(`'${target}' is not a member of workspace '${workspace.name}'`);
  }
  await confirmDestructive(ctx, `remove ${target} from workspace '${workspace.name}'`);
  store.members.remove(workspace.id, workspace.name, target);
  if (ctx.out.json) ctx.out.writeJson({ workspaceId: workspace.id, user: target, removed: true });
  else ctx.out.message(`Removed ${target} from ${workspace.name}`);
};
