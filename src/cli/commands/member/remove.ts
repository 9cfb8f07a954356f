import { NotFoundError } from '../../../errors.js';
import { editInTransaction } from '../../edit.js';
import { confirmDestructive, required } from '../../prompts.js';
import { resolveWorkspace } from '../../scope.js';
import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx, [user]) {
    const target = await required(ctx, user, '<user>', 'Member to remove');
    const scope = await resolveWorkspace(ctx, 'manage-members');
    const { workspace } = scope;
    const store = await ctx.store();
    if (!(await store.members.get(workspace.id, target))) {
      throw new NotFoundError(`'${target}' is not a member of workspace '${workspace.name}'`);
    }
    await confirmDestructive(ctx, `remove ${target} from workspace '${workspace.name}'`);
    // Checked again after the prompt, in the transaction that removes: the role that allowed it, the
    // member and the last-owner rule.
    await editInTransaction(
      store,
      ctx.user,
      scope,
      'manage-members',
      async (tx) => await tx.members.remove(workspace.id, workspace.name, target),
    );
    if (ctx.out.json) ctx.out.writeJson({ workspaceId: workspace.id, user: target, removed: true });
    else ctx.out.message(`Removed ${target} from ${workspace.name}`);
  },
});
