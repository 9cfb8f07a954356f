import { CancelledError, UsageError } from '../errors.js';
import type { CliContext } from './context.js';

/**
 * A required value: taken as given, else asked for on a TTY, else a usage error naming it.
 * `label` is how the user supplies it, e.g. `<name>` or `--model`.
 */
export async function required(
  ctx: CliContext,
  value: string | undefined,
  label: string,
  question: string,
): Promise<string> {
  if (value !== undefined && value !== '') return value;
  if (!ctx.canPrompt) throw new UsageError(`missing required ${label.startsWith('-') ? 'flag' : 'argument'} ${label}`);
  return ctx.prompter.input(question, { validate: (v) => (v.trim() ? true : 'required') });
}

/** Destructive verbs: `--yes`, else a confirmation on a TTY, else a usage error. */
export async function confirmDestructive(ctx: CliContext, what: string): Promise<void> {
  if (ctx.flags.yes) return;
  if (!ctx.canPrompt) throw new UsageError(`refusing to ${what} without confirmation: pass --yes`);
  if (!(await ctx.prompter.confirm(`Really ${what}?`, false))) throw new CancelledError();
}
