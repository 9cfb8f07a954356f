import { UsageError } from '../../errors.js';
import { required } from '../prompts.js';
import { resolveEnvironment, resolveWorkspace } from '../scope.js';
import { defineVerb } from '../verb.js';

export const verb = defineVerb({
  async run(_options, ctx, [target]) {
    const value = await required(ctx, target, '<workspace>[/<env>]', 'Context (workspace or workspace/env)');
    const [workspaceRef, envRef, ...rest] = value.split('/');
    if (!workspaceRef || rest.length > 0 || envRef === '') {
      throw new UsageError(`invalid <workspace>[/<env>]: '${value}'`);
    }
    // The explicit argument wins over -w/-e and over the old context.
    const scoped = { ...ctx, flags: { ...ctx.flags, workspace: workspaceRef, env: envRef } };
    const { workspace } = await resolveWorkspace(scoped, 'read');
    const environment = envRef ? (await resolveEnvironment(scoped, 'read')).environment : undefined;
    ctx.saveSettings({ ...ctx.settings(), context: { workspace: workspace.id, environment: environment?.id } });
    ctx.out.object({
      workspace: workspace.name,
      workspaceId: workspace.id,
      environment: environment?.name ?? null,
      environmentId: environment?.id ?? null,
    });
  },
});
