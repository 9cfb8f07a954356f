import { roles } from '../../../store/repos/members.js';
import { editInTransaction } from '../../edit.js';
import { parseInput, userSchema } from '../../input.js';
import { required } from '../../prompts.js';
import { resolveWorkspace } from '../../scope.js';
import { defineVerb } from '../../verb.js';
import { z } from '../../zod.js';

export const verb = defineVerb({
  async run(_options, ctx, [user, role]) {
    const input = parseInput(
      z.object({ user: userSchema, role: z.enum(roles) }),
      {
        user: await required(ctx, user, '<user>', 'Member'),
        role:
          role ??
          (ctx.canPrompt
            ? await ctx.prompter.select(
                'Role',
                roles.map((r) => ({ name: r, value: r })),
              )
            : undefined),
      },
      { user: '<user>', role: '<role>' },
    );
    const scope = await resolveWorkspace(ctx, 'manage-members');
    const store = await ctx.store();
    // The member row and the owner count are read inside the transaction, so two demotions at once
    // cannot both pass the last-owner check.
    const member = await editInTransaction(
      store,
      ctx.user,
      scope,
      'manage-members',
      async (tx) => await tx.members.setRole(scope.workspace.id, scope.workspace.name, input.user, input.role),
    );
    ctx.out.success(`${input.user} is now ${input.role} of ${scope.workspace.name}`);
    ctx.out.object(member);
  },
});
