import { defineVerb } from '../verb.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    const context = ctx.settings().context;
    let workspace: string | null = null;
    let environment: string | null = null;
    if (context) {
      const store = await ctx.store();
      const ws = await store.workspaces.find(context.workspace);
      workspace = ws?.name ?? `${context.workspace} (deleted)`;
      if (context.environment) {
        environment =
          (ws && (await store.environments.find(ws.id, context.environment))?.name) ??
          `${context.environment} (deleted)`;
      }
    }
    ctx.out.object({ user: ctx.user, workspace, environment, home: ctx.paths.home });
  },
});
