import { confirmDestructive, required } from '../../prompts.js';
import { resolveWorkspace } from '../../scope.js';
import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const target = await required(ctx, ref, '<workspace>', 'Workspace to delete');
    const { workspace } = await resolveWorkspace(ctx, 'delete-workspace', target);
    const store = await ctx.store();
    const environments = (await store.environments.list(workspace.id)).length;
    await confirmDestructive(
      ctx,
      `delete workspace '${workspace.name}' and its ${environments} environment(s), with everything in them`,
    );
    const connectionIds = await store.connections.idsInWorkspace(workspace.id);
    await store.workspaces.delete(workspace.id);
    // The rows are gone; their keychain entries go too (the database no longer points at them).
    if (connectionIds.length > 0) {
      const secrets = await ctx.secrets();
      for (const id of connectionIds) await secrets.remove(id);
    }
    const settings = ctx.settings();
    if (settings.context?.workspace === workspace.id) ctx.saveSettings({ ...settings, context: undefined });
    if (ctx.out.json) ctx.out.writeJson({ id: workspace.id, name: workspace.name, deleted: true });
    else ctx.out.message(`Deleted workspace ${workspace.name}`);
  },
});
