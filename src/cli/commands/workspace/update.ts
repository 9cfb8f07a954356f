import { editInTransaction } from '../../edit.js';
import { resolveWorkspace } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { renameChange, renameFlags } from '../rename.js';

export const verb = defineVerb({
  flags: renameFlags,
  async run(flags, ctx, [ref]) {
    const change = renameChange(flags);
    const scope = await resolveWorkspace(ctx, 'write', ref);
    const store = await ctx.store();
    // The repository re-reads the row and writes only the fields given, inside this transaction.
    const updated = await editInTransaction(
      store,
      ctx.user,
      scope,
      'write',
      async (tx) => await tx.workspaces.update(scope.workspace, change, ctx.user),
    );
    ctx.out.success(`Updated workspace ${updated.name}`);
    ctx.out.object({ ...updated, role: scope.role });
  },
});
