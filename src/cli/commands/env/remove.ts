import { confirmDestructive, required } from '../../prompts.js';
import { resolveEnvironment } from '../../scope.js';
import { defineVerb } from '../../verb.js';

export const verb = defineVerb({
  async run(_options, ctx, [ref]) {
    const target = await required(ctx, ref, '<env>', 'Environment to remove');
    const { workspace, environment } = await resolveEnvironment(ctx, 'write', target);
    await confirmDestructive(ctx, `remove environment '${environment.name}' of workspace '${workspace.name}'`);
    const store = await ctx.store();
    const connectionIds = await store.connections.idsInEnvironment(environment.id);
    await store.environments.delete(environment.id);
    // The rows are gone; their keychain entries go too (the database no longer points at them).
    if (connectionIds.length > 0) {
      const secrets = await ctx.secrets();
      for (const id of connectionIds) await secrets.remove(id);
    }
    const settings = ctx.settings();
    if (settings.context?.environment === environment.id) {
      ctx.saveSettings({ ...settings, context: { workspace: workspace.id } });
    }
    if (ctx.out.json) ctx.out.writeJson({ id: environment.id, name: environment.name, deleted: true });
    else ctx.out.message(`Removed environment ${workspace.name}/${environment.name}`);
  },
});
