import { z } from 'zod';
import { UsageError } from '../../../errors.js';
import { editInTransaction } from '../../edit.js';
import { nameSchema, parseInput } from '../../input.js';
import { resolveWorkspace } from '../../scope.js';
import type { VerbRun } from '../../verb.js';

export const run: VerbRun = async (ctx, [ref], flags) => {
  const change = parseInput(z.object({ name: nameSchema.optional(), description: z.string().optional() }), flags);
  if (change.name === undefined && change.description === undefined) {
    throw new UsageError('nothing to update: pass --name or --description');
  }
  const scope = await resolveWorkspace(ctx, 'write', ref);
  const store = await ctx.store();
  // The repository re-reads the row and writes only the fields given, inside this transaction.
  const updated = editInTransaction(store, ctx.user, scope, 'write', () =>
    store.workspaces.update(
      scope.workspace,
      { name: change.name, description: change.description === '' ? null : change.description },
      ctx.user,
    ),
  );
  ctx.out.object({ ...updated, role: scope.role });
};
