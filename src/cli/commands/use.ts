import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { required } from '../prompts.js';
import { resolveEnvironment, resolveWorkspace } from '../scope.js';
import { defineVerb, text, toggle } from '../verb.js';
import type { Environment } from '../../store/repos/environments.js';
import type { Workspace } from '../../store/repos/workspaces.js';

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
    if (target === undefined && ctx.canPrompt) return useContext(ctx, await chooseContext(ctx));
    await useContext(ctx, await required(ctx, target, '<workspace>[/<env>]', 'Context (workspace or workspace/env)'));
  },
});

/** On a TTY without an argument: every workspace/env of the user's to pick from (a bare workspace when it has none). */
async function chooseContext(ctx: CliContext): Promise<string> {
  const store = await ctx.store();
  const choices: Array<{ name: string; value: string }> = [];
  for (const workspace of await store.workspaces.listForUser(ctx.user)) {
    const environments = await store.environments.list(workspace.id);
    if (environments.length === 0) choices.push({ name: workspace.name, value: workspace.id });
    for (const env of environments)
      choices.push({ name: `${workspace.name}/${env.name}`, value: `${workspace.id}/${env.id}` });
  }
  if (choices.length === 0)
    throw new UsageError('no workspace to use yet', 'create one with `vmx workspace create <name>` or `vmx init`');
  return ctx.prompter.select('Context', choices);
}

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
  const environment = envRef
    ? (await resolveEnvironment(scoped, 'read')).environment
    : await environmentOf(ctx, workspace);
  ctx.saveSettings({ ...ctx.settings(), context: { workspace: workspace.id, environment: environment?.id } });
  ctx.out.object({
    workspace: workspace.name,
    workspaceId: workspace.id,
    environment: environment?.name ?? null,
    environmentId: environment?.id ?? null,
  });
}

/**
 * The environment `vmx use <workspace>` goes with: its only one; with several, the one picked on a
 * TTY, else none (the context is the workspace alone) and a note listing them.
 */
async function environmentOf(ctx: CliContext, workspace: Workspace): Promise<Environment | undefined> {
  const environments = await (await ctx.store()).environments.list(workspace.id);
  if (environments.length <= 1) return environments[0];
  if (ctx.canPrompt) {
    const id = await ctx.prompter.select(
      `Environment of ${workspace.name}`,
      environments.map((e) => ({ name: e.name, value: e.id })),
    );
    return environments.find((e) => e.id === id);
  }
  ctx.out.warn(
    `workspace '${workspace.name}' has ${environments.length} environments: ${environments.map((e) => e.name).join(', ')}; ` +
      `pick one with \`vmx use ${workspace.name}/<env>\` or -e <env>`,
  );
  return undefined;
}
