import { Command } from 'commander';
import { createContext, type CliContext, type CliDeps, type GlobalFlags } from './context.js';

/** What a verb does, given the parsed positional arguments and its own flags. */
export type VerbRun = (
  ctx: CliContext,
  args: Array<string | undefined>,
  flags: Record<string, unknown>,
) => Promise<void>;

/**
 * One CLI verb. The definition (arguments, flags, help) is registered up front; the implementation is
 * a module of its own, loaded only when the verb runs, so start-up pays for one verb rather than all.
 */
export interface VerbDefinition {
  name: string;
  /** Commander argument syntax, e.g. `[name]`. Required input is declared optional and asked for on a TTY. */
  args?: string;
  summary: string;
  /** A rule or two worth knowing before running it, shown under --help above the examples. */
  details?: string;
  /** At least one, shown under --help. */
  examples: string[];
  options?: (command: Command) => void;
  load: () => Promise<{ run: VerbRun }>;
}

export function buildVerb(verb: VerbDefinition, deps: CliDeps): Command {
  const command = new Command(verb.name).description(verb.summary);
  if (verb.args) command.arguments(verb.args);
  verb.options?.(command);
  if (verb.details) command.addHelpText('after', `\n${verb.details}\n`);
  command.addHelpText('after', `\nExamples:\n${verb.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  command.action(async (...received: unknown[]) => {
    const self = received.at(-1) as Command;
    const positional = received.slice(0, self.registeredArguments.length) as Array<string | undefined>;
    const ctx = createContext(self.optsWithGlobals<GlobalFlags>(), deps);
    try {
      const { run } = await verb.load();
      await run(ctx, positional, self.opts());
    } finally {
      ctx.dispose();
    }
  });
  return command;
}

/** A noun groups its verbs: `vmx <noun> <verb>`. */
export function buildNoun(
  noun: { name: string; summary: string; alias?: string },
  verbs: VerbDefinition[],
  deps: CliDeps,
): Command {
  const command = new Command(noun.name).description(noun.summary);
  if (noun.alias) command.alias(noun.alias);
  for (const verb of verbs) command.addCommand(buildVerb(verb, deps));
  return command;
}

/** Commander reducer for a repeatable flag: `--limit a --limit b` → `['a', 'b']`. */
export const repeatable = (value: string, previous: string[] = []): string[] => [...previous, value];
