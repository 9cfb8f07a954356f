import { ConflictError, UsageError } from '../../../errors.js';
import type { Environment } from '../../../store/repos/environments.js';
import type { Workspace } from '../../../store/repos/workspaces.js';
import type { CliContext } from '../../context.js';
import { nameSchema } from '../../input.js';
import { checkRole } from '../../scope.js';

/** Why a name cannot be one (format), or undefined when it can. */
export function nameProblem(value: string): string | undefined {
  const result = nameSchema.safeParse(value);
  return result.success ? undefined : result.error.issues[0]!.message;
}

/** A given name in the right format, else a usage error naming the flag it came from. */
function checkedName(value: string, flag: string): string {
  const problem = nameProblem(value);
  if (problem) throw new UsageError(`invalid ${flag}: ${problem}`);
  return value;
}

/** `base`, else `base-2`, `base-3`… : the first that is not taken, so a default can be accepted as it is. */
export function freeName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** A workspace init creates (`existing` undefined) or reuses. */
export interface ChosenWorkspace {
  name: string;
  existing?: Workspace;
}

/**
 * The workspace: `-w`, else asked on a TTY (default `default`), else `default`. A name that exists is
 * reused when the acting user may write to it; on a TTY the user says whether to reuse it or choose
 * another name, so a second `vmx init` does not run into the existing one after all its questions.
 * The prompt refuses, as the name is typed, a bad format and a workspace of others.
 */
export async function chooseWorkspace(ctx: CliContext): Promise<ChosenWorkspace> {
  const store = await ctx.store();
  const given = ctx.flags.workspace;
  if (given !== undefined || !ctx.canPrompt) {
    const name = checkedName(given ?? 'default', '-w/--workspace');
    const existing = await store.workspaces.find(name);
    if (existing) await checkRole(store, ctx.user, existing, 'write');
    return { name, existing };
  }
  const mine = new Map((await store.workspaces.listForUser(ctx.user)).map((w) => [w.name, w]));
  const others = async (name: string) => !mine.has(name) && (await store.workspaces.find(name)) !== undefined;
  let fallback = 'default';
  for (;;) {
    const name = await ctx.prompter.input('Workspace', {
      default: fallback,
      validate: async (value) =>
        nameProblem(value) ??
        ((await others(value)) ? `workspace '${value}' belongs to others: choose another name` : true),
    });
    const existing = mine.get(name);
    if (!existing || (await reuse(ctx, `Workspace '${name}' already exists`))) return { name, existing };
    fallback = freeName(name, new Set([...mine.keys()]));
  }
}

/** An environment init creates (`existing` undefined) or reuses, as {@link chooseWorkspace} does. */
export async function chooseEnvironment(
  ctx: CliContext,
  workspace: ChosenWorkspace,
): Promise<{ name: string; existing?: Environment }> {
  const store = await ctx.store();
  const all = workspace.existing ? await store.environments.list(workspace.existing.id) : [];
  const byName = new Map(all.map((e) => [e.name, e]));
  const given = ctx.flags.env;
  if (given !== undefined || !ctx.canPrompt) {
    const name = checkedName(given ?? 'dev', '-e/--env');
    return { name, existing: byName.get(name) };
  }
  let fallback = 'dev';
  for (;;) {
    const name = await ctx.prompter.input('Environment', {
      default: fallback,
      validate: (value) => nameProblem(value) ?? true,
    });
    const existing = byName.get(name);
    if (!existing || (await reuse(ctx, `Environment '${workspace.name}/${name}' already exists`))) {
      return { name, existing };
    }
    fallback = freeName(name, new Set(byName.keys()));
  }
}

/** Asks whether to reuse what exists (true) or choose another name (false). */
function reuse(ctx: CliContext, message: string): Promise<boolean> {
  return ctx.prompter.select(message, [
    { name: 'Use it', value: true, description: 'add the new connection, resource and key to it' },
    { name: 'Choose another name', value: false },
  ]);
}

/** One name below the environment (connection, resource, key) and what it must not collide with. */
export interface NameQuestion {
  /** `connection`, `resource`, `API key`: in messages. */
  what: string;
  question: string;
  flag: string;
  given: string | undefined;
  fallback: string;
  /** The names of this kind the environment already has (empty for a new environment). */
  taken: ReadonlySet<string>;
  /** `acme/dev`, in messages. */
  where: string;
}

/**
 * The flag's name (checked at once: a duplicate is a conflict before anything is asked or tested),
 * else on a TTY a prompt that refuses a bad or taken name as it is typed (its default is free), else
 * the fallback.
 */
export async function chooseName(ctx: CliContext, q: NameQuestion): Promise<string> {
  const taken = (value: string) => `${q.what} '${value}' already exists in ${q.where}`;
  if (q.given !== undefined || !ctx.canPrompt) {
    const name = checkedName(q.given ?? q.fallback, q.flag);
    if (q.taken.has(name)) throw new ConflictError(taken(name), `choose another name with ${q.flag} <name>`);
    return name;
  }
  return ctx.prompter.input(q.question, {
    default: freeName(q.fallback, q.taken),
    validate: (value) => nameProblem(value) ?? (q.taken.has(value) ? `${taken(value)}: choose another name` : true),
  });
}
