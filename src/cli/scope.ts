import { NotFoundError, PermissionError, UsageError } from '../errors.js';
import type { Repositories } from '../store/backend.js';
import type { Environment } from '../store/repos/environments.js';
import type { Role } from '../store/repos/members.js';
import type { Workspace } from '../store/repos/workspaces.js';
import type { CliContext } from './context.js';
import { describeAction, permits, type WorkspaceAction } from './roles.js';

export interface WorkspaceScope {
  workspace: Workspace;
  role: Role;
}

export interface EnvironmentScope extends WorkspaceScope {
  environment: Environment;
}

/** Where a part of the context came from: `-w`/`-e`, VMX_WORKSPACE/VMX_ENV, or the one `vmx use` saved. */
export type ContextSource = 'flag' | 'env' | 'saved';

export interface ContextRef {
  /** A name or id. */
  ref: string;
  from: ContextSource;
}

/** The workspace a command would use without an explicit one: `-w`, else VMX_WORKSPACE, else the saved one. */
export function workspaceRef(ctx: CliContext): ContextRef | undefined {
  if (ctx.flags.workspace) return { ref: ctx.flags.workspace, from: 'flag' };
  const fromEnv = ctx.deps.env.VMX_WORKSPACE?.trim();
  if (fromEnv) return { ref: fromEnv, from: 'env' };
  const saved = ctx.settings().context?.workspace;
  return saved ? { ref: saved, from: 'saved' } : undefined;
}

/**
 * The environment a command in `workspaceId` would use without an explicit one: `-e`, else VMX_ENV,
 * else the saved one when it belongs to that workspace.
 */
export function environmentRef(ctx: CliContext, workspaceId: string): ContextRef | undefined {
  if (ctx.flags.env) return { ref: ctx.flags.env, from: 'flag' };
  const fromEnv = ctx.deps.env.VMX_ENV?.trim();
  if (fromEnv) return { ref: fromEnv, from: 'env' };
  const saved = ctx.settings().context;
  return saved?.workspace === workspaceId && saved.environment ? { ref: saved.environment, from: 'saved' } : undefined;
}

/**
 * The workspace a command acts on — the explicit reference, else `-w`, else VMX_WORKSPACE, else the
 * current context, else a prompt on a TTY — checked against the acting user's membership and role.
 */
export async function resolveWorkspace(
  ctx: CliContext,
  action: WorkspaceAction,
  explicit?: string,
): Promise<WorkspaceScope> {
  const store = await ctx.store();
  let ref = explicit ?? workspaceRef(ctx)?.ref;
  if (!ref) {
    const mine = await store.workspaces.listForUser(ctx.user);
    if (!ctx.canPrompt || mine.length === 0) {
      throw new UsageError('no workspace given: pass -w/--workspace <name> or set one with `vmx use <workspace>`');
    }
    ref = await ctx.prompter.select(
      'Workspace',
      mine.map((w) => ({ name: w.name, value: w.id })),
    );
  }
  const workspace = await store.workspaces.find(ref);
  if (!workspace) throw new NotFoundError(`workspace '${ref}' not found`);
  return { workspace, role: await checkRole(store, ctx.user, workspace, action) };
}

/** The acting user's role in the workspace, if it permits `action`; else a permission error saying why. */
export async function checkRole(
  store: Repositories,
  user: string,
  workspace: Workspace,
  action: WorkspaceAction,
): Promise<Role> {
  const member = await store.members.get(workspace.id, user);
  if (!member) throw new PermissionError(`${user} is not a member of workspace '${workspace.name}'`);
  if (!permits(member.role, action)) {
    throw new PermissionError(
      `${user} is a member of workspace '${workspace.name}'; ${describeAction(action)} requires the owner role`,
    );
  }
  return member.role;
}

/**
 * The environment a command acts on: the explicit reference, else `-e`, else VMX_ENV, else the
 * context's (same workspace only).
 */
export async function resolveEnvironment(
  ctx: CliContext,
  action: WorkspaceAction,
  explicit?: string,
): Promise<EnvironmentScope> {
  const scope = await resolveWorkspace(ctx, action);
  const store = await ctx.store();
  let ref = explicit ?? environmentRef(ctx, scope.workspace.id)?.ref;
  if (!ref) {
    const all = await store.environments.list(scope.workspace.id);
    if (!ctx.canPrompt || all.length === 0) {
      throw new UsageError('no environment given: pass -e/--env <name> or set one with `vmx use <workspace>/<env>`');
    }
    ref = await ctx.prompter.select(
      'Environment',
      all.map((e) => ({ name: e.name, value: e.id })),
    );
  }
  const environment = await store.environments.find(scope.workspace.id, ref);
  if (!environment) throw new NotFoundError(`environment '${ref}' not found in workspace '${scope.workspace.name}'`);
  return { ...scope, environment };
}
