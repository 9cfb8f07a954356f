import { UsageError } from '../../../errors.js';
import { editInTransaction } from '../../edit.js';
import { nameSchema } from '../../input.js';
import { resolveWorkspace } from '../../scope.js';
import { defineVerb, flag, text } from '../../verb.js';

export const verb = defineVerb({
  flags: {
    name: flag('--name <name>', 'new name', nameSchema.optional()),
    description: text('--description <text>', 'new description ("" clears it)'),
  },
  async run(change, ctx, [ref]) {
    if (change.name === undefined && change.description === undefined) {
      throw new UsageError('nothing to update: pass --name or --description');
    }
    const scope = await resolveWorkspace(ctx, 'write', ref);
    const store = await ctx.store();
    // The repository re-reads the row and writes only the fields given, inside this transaction.
    const updated = await editInTransaction(
      store,
      ctx.user,
      scope,
      'write',
      async (tx) =>
        await tx.workspaces.update(
          scope.workspace,
          { name: change.name, description: change.description === '' ? null : change.description },
          ctx.user,
        ),
    );
    ctx.out.object({ ...updated, role: scope.role });
  },
});
