import { z } from 'zod';
import { UsageError } from '../../../errors.js';
import { nameSchema, parseInput } from '../../input.js';
import { resolveWorkspace } from '../../scope.js';
import type { VerbRun } from '../../verb.js';

export const run: VerbRun = async (ctx, [ref], flags) => {
  const change = parseInput(z.object({ name: nameSchema.optional(), description: z.string().optional() }), flags);
  if (change.name === undefined && change.description === undefined) {
    throw new UsageError('nothing to update: pass --name or --description');
  }
  const { workspace, role } = await resolveWorkspace(ctx, 'write', ref);
  const store = await ctx.store();
  const updated = store.workspaces.update(
    workspace,
    { name: change.name, description: change.description === '' ? null : change.description },
    ctx.user,
  );
  ctx.out.object({ ...updated, role });
};
