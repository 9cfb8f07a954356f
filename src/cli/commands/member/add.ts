import { roles } from '../../../store/repos/members.js';
import { parseInput, userSchema } from '../../input.js';
import { required } from '../../prompts.js';
import { resolveWorkspace } from '../../scope.js';
import { defineVerb, flag } from '../../verb.js';
import { z } from '../../zod.js';

export const verb = defineVerb({
  // The role is checked with the user, after it: a missing or bad user is reported (or asked for) first.
  flags: { role: flag('--role <role>', 'owner or member', (z) => z.string(), { default: 'member' }) },
  async run({ role }, ctx, [user]) {
    const input = parseInput(
      z.object({ user: userSchema, role: z.enum(roles) }),
      { user: await required(ctx, user, '<user>', 'User to add'), role },
      { user: '<user>' },
    );
    const { workspace } = await resolveWorkspace(ctx, 'manage-members');
    const store = await ctx.store();
    const member = await store.members.add({
      workspaceId: workspace.id,
      workspaceName: workspace.name,
      ...input,
      by: ctx.user,
    });
    ctx.out.success(`Added ${input.user} to ${workspace.name} as ${input.role}`);
    ctx.out.object(member);
  },
});
