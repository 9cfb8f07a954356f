import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { required } from '../prompts.js';
import { resolveEnvironment, resolveWorkspace } from '../scope.js';
import { defineVerb, text, toggle } from '../verb.js';

export const verb = defineVerb({
  flags: {
    redisUrl: text('--redis-url <url>', 'with --database-url: the Redis its daemons share counters in'),
    local: toggle('--local', 'forget the shared store: back to the SQLite file in the data dir'),
  },
  async run({ redisUrl, local }, ctx, [target]) {
    const storeChange = local || ctx.flags.databaseUrl !== undefined;
    if (local && ctx.flags.databaseUrl !== undefined) throw new UsageError('give --database-url or --local, not both');
    if (redisUrl !== undefined && ctx.flags.databaseUrl === undefined)
      throw new UsageError('--redis-url goes with --database-url');
    if (storeChange) await rememberStore(ctx, local ? undefined : { databaseUrl: ctx.flags.databaseUrl!, redisUrl });
    if (storeChange && target === undefined) return;
    await useContext(ctx, await required(ctx, target, '<workspace>[/<env>]', 'Context (workspace or workspace/env)'));
  },
});

/**
 * Remembers (or forgets) the shared store for this data dir, once it answers: the commands after
 * this one use it without --database-url. The settings file is 0600, as it may hold a password.
 */
async function rememberStore(ctx: CliContext, store: { databaseUrl: string; redisUrl?: string } | undefined) {
  if (store) await ctx.store();
  // The context names a workspace of the old store: it goes with it.
  ctx.saveSettings({ ...ctx.settings(), store, context: undefined });
  const { withoutPassword } = await import('../../store/url.js');
  ctx.out.object({
    store: store ? 'postgres' : 'sqlite',
    database: store ? withoutPassword(store.databaseUrl) : ctx.paths.db,
    redis: store?.redisUrl ? withoutPassword(store.redisUrl) : null,
  });
}

async function useContext(ctx: CliContext, value: string): Promise<void> {
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
}
