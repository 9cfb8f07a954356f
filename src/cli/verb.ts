import { Command, Help, Option } from 'commander';
import type { ZodMiniType } from 'zod/mini';
import { UsageError } from '../errors.js';
import { createContext, type CliContext, type CliDeps, type GlobalFlags } from './context.js';
import type { Zod } from './zod.js';

interface FlagExtras<T> {
  /** The value `run` gets when the flag is not given, as it is (shown under --help as typed, `"50"`). */
  default?: T;
  /** Given more than once, the flag collects its values in a list. */
  repeatable?: boolean;
  /** Help of a `--no-<flag>` that sets the value to false. */
  negate?: string;
}

/**
 * One flag of a verb: the commander option(s) that set its value (`--fallback <m>` and `--no-fallback`
 * set one) and the zod schema that checks and converts a value given on the command line. A flag
 * without a schema is taken as commander parsed it (text, a list, a switch); its type says which.
 */
export interface Flag<T = unknown> {
  /** Commander's spelling, e.g. `--limit <spec>` or `-n, --lines <count>`. */
  readonly spec: string;
  readonly help: string;
  readonly extras?: FlagExtras<T>;
  /** Made, and zod loaded, only when the flag is given: a command that checks nothing never loads zod. */
  readonly schema?: (z: Zod) => ZodMiniType<T>;
}

export type Flags = Record<string, Flag>;

/** What `run` gets: each flag's value, as its schema parsed it. */
export type Options<F extends Flags> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

/** The commander options of a flag, made afresh for each command that takes it. */
function optionsOf({ spec, help, extras = {} }: Flag): Option[] {
  const option = new Option(spec, help);
  if (extras.default !== undefined) option.default(extras.default, JSON.stringify(String(extras.default)));
  if (extras.repeatable) option.argParser((value: string, previous: string[] = []) => [...previous, value]);
  if (extras.negate === undefined) return [option];
  return [option, new Option(`--no-${option.long!.slice(2)}`, extras.negate)];
}

/**
 * A flag whose given value the zod schema checks and converts (e.g. `(z) => z.coerce.number().check(z.int())`);
 * errors name the flag. Not given, its value is its default, else undefined.
 */
export function flag<T>(
  spec: string,
  help: string,
  schema: (z: Zod) => ZodMiniType<T>,
  extras: FlagExtras<T> & { default: T },
): Flag<T>;
export function flag<T>(
  spec: string,
  help: string,
  schema: (z: Zod) => ZodMiniType<T>,
  extras?: Omit<FlagExtras<T>, 'default'>,
): Flag<T | undefined>;
export function flag<T>(
  spec: string,
  help: string,
  schema: (z: Zod) => ZodMiniType<T>,
  extras?: FlagExtras<T>,
): Flag<T | undefined> {
  return { spec, help, extras, schema };
}

/** A flag taking text, e.g. `--description <text>`. */
export const text = (spec: string, help: string): Flag<string | undefined> => ({ spec, help });

/** A repeatable flag taking text, e.g. `--limit <spec>`: its values in order. */
export const list = (spec: string, help: string): Flag<string[] | undefined> => ({
  spec,
  help,
  extras: { repeatable: true },
});

/** A switch, e.g. `--force`. */
export const toggle = (spec: string, help: string, extras?: { negate?: string }): Flag<boolean | undefined> => ({
  spec,
  help,
  extras,
});

/** What a verb does: its flags, and `run` with their parsed values, the context and the positional arguments. */
export interface Verb<F extends Flags = Flags> {
  readonly flags?: F;
  run(options: Options<F>, ctx: CliContext, args: Array<string | undefined>): Promise<void>;
}

/** A verb module's export: `export const verb = defineVerb({ flags, run })`. */
export const defineVerb = <F extends Flags = Record<never, never>>(verb: Verb<F>): Verb<F> => verb;

/**
 * One CLI verb. The definition (arguments, help) is registered up front; the implementation, its flags
 * with it, is a module of its own, loaded only for the verb a command line names (see {@link prepareVerbs}),
 * so start-up pays for one verb rather than all, and help that lists verbs loads none.
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
  /** Other spellings that run it (`ls` for list); a noun's verbs get the conventional ones (see buildNoun). */
  aliases?: string[];
  /** The implementation has flags: help listing the verb marks it `[options]` without loading it. */
  takesFlags?: boolean;
  load: () => Promise<{ verb: Verb }>;
}

/** A verb's implementation, its flags registered on its command; `labels` names each flag in errors. */
interface Loaded {
  verb: Verb;
  labels: Record<string, string>;
}

/** How each verb command loads its implementation and registers its flags (once per command). */
const loaders = new WeakMap<Command, () => Promise<Loaded>>();

/** The verb commands whose definition says they take flags. */
const flagged = new WeakSet<Command>();

/**
 * Help of a command that lists verbs (the root, a noun). Commander marks a verb `[options]` once its
 * flags are registered, that is once it is loaded; one that takes flags is marked before that too.
 */
export const verbListHelp: Partial<Help> = {
  // Every command's help lists the flags it inherits (--json, -w, -e, …), not only the root's.
  showGlobalOptions: true,
  subcommandTerm(command: Command): string {
    const term = Help.prototype.subcommandTerm.call(this as Help, command);
    if (command.options.length > 0 || !flagged.has(command)) return term;
    const alias = command.aliases()[0];
    const name = alias ? `${command.name()}|${alias}` : command.name();
    return `${name} [options]${term.slice(name.length)}`;
  },
};

export function buildVerb(definition: VerbDefinition, deps: CliDeps): Command {
  const command = new Command(definition.name)
    .description(definition.summary)
    .configureHelp({ showGlobalOptions: true });
  if (definition.aliases) command.aliases(definition.aliases);
  if (definition.args) command.arguments(definition.args);
  if (definition.details) command.addHelpText('after', `\n${definition.details}\n`);
  command.addHelpText('after', `\nExamples:\n${definition.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  if (definition.takesFlags) flagged.add(command);
  let loading: Promise<Loaded> | undefined;
  loaders.set(command, () => {
    loading ??= definition.load().then(({ verb }) => {
      const labels: Record<string, string> = {};
      for (const [key, flag] of Object.entries(verb.flags ?? {})) {
        for (const option of optionsOf(flag)) {
          // The key is the value's name in `run`; commander derives its own from the spelling.
          if (option.attributeName() !== key)
            throw new Error(`flag ${option.long} of ${definition.name} is not '${key}'`);
          labels[key] ??= option.long!;
          command.addOption(option);
        }
      }
      return { verb, labels };
    });
    return loading;
  });
  command.action(async (...received: unknown[]) => {
    const self = received.at(-1) as Command;
    const positional = received.slice(0, self.registeredArguments.length) as Array<string | undefined>;
    const ctx = createContext(argumentAfterJson(self.optsWithGlobals<GlobalFlags>(), positional), deps);
    try {
      const { verb, labels } = await loaders.get(command)!();
      await verb.run(await parseFlags(verb.flags ?? {}, self, labels), ctx, positional);
      await ctx.out.settle();
    } finally {
      await ctx.dispose();
    }
  });
  return command;
}

/**
 * `--json` takes an optional list of fields, so commander reads the word after it as one: in
 * `vmx env show --json dev` that is the environment. A single word (no comma) where the verb still
 * lacks an argument is taken as that argument; fields are then named `--json id,name` or after it.
 */
function argumentAfterJson(flags: GlobalFlags, positional: Array<string | undefined>): GlobalFlags {
  const missing = positional.indexOf(undefined);
  if (typeof flags.json !== 'string' || flags.json === '' || flags.json.includes(',') || missing < 0) return flags;
  positional[missing] = flags.json;
  return { ...flags, json: true };
}

/**
 * The flags' values as `run` gets them, in declaration order: one given on the command line through its
 * schema (the first failure is a usage error naming the flag), a default or an absent flag as it is.
 */
async function parseFlags<F extends Flags>(
  flags: F,
  command: Command,
  labels: Record<string, string>,
): Promise<Options<F>> {
  const given = command.opts();
  const parsed: Record<string, unknown> = {};
  for (const [key, { schema }] of Object.entries(flags)) {
    parsed[key] = given[key];
    if (!schema || given[key] === undefined || command.getOptionValueSource(key) === 'default') continue;
    const { z } = await import('./zod.js');
    const result = schema(z).safeParse(given[key]);
    if (!result.success) {
      const { inputErrorMessage } = await import('./zod-messages.js');
      throw new UsageError(inputErrorMessage(labels[key]!, result.error.issues[0]!.message, given[key]));
    }
    parsed[key] = result.data;
  }
  return parsed as Options<F>;
}

/**
 * The other spellings people type for a verb, first the one help shows (`remove|rm`). The contract's
 * verbs differ between nouns (`workspace delete` but `env remove`, `workspace create` but `env add`):
 * each answers to the others' spellings too. Revoking a key deletes it, so a key is also removed; an
 * alias a noun already has as a verb of its own is left out (none does today).
 */
const CONVENTIONAL_ALIASES: Record<string, string[]> = {
  list: ['ls'],
  remove: ['rm', 'delete'],
  delete: ['rm', 'remove'],
  revoke: ['rm', 'remove', 'delete'],
  add: ['create', 'new'],
  create: ['add', 'new'],
};

/** Words people type for a verb that are no verb's spelling: the suggestion names the noun's verb. */
const SYNONYMS: Record<string, string[]> = {
  destroy: ['remove', 'delete', 'revoke'],
  del: ['remove', 'delete', 'revoke'],
  erase: ['remove', 'delete', 'revoke'],
  get: ['show', 'list'],
  info: ['show'],
  describe: ['show'],
  view: ['show'],
  edit: ['update'],
  modify: ['update'],
  change: ['update'],
  rename: ['update'],
  make: ['create', 'add'],
};

/** A noun's command: an unknown verb gets a suggestion from every spelling of its verbs, aliases included. */
class Noun extends Command {
  // Commander's own suggests from names and first aliases only; it calls this (untyped) method.
  unknownCommand(): never {
    const word = this.args[0] ?? '';
    const spellings = this.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    const verbs = this.commands.map((c) => c.name());
    const synonym = SYNONYMS[word]?.find((verb) => verbs.includes(verb));
    const closest = synonym ?? closestWord(word, spellings);
    const hint = closest ? ` (Did you mean ${closest}?)` : '';
    this.error(`error: unknown command '${word}'${hint}`, { code: 'commander.unknownCommand' });
  }
}

/** The spelling nearest `word` by edit distance, if it is near enough to be a typo (as commander judges). */
function closestWord(word: string, spellings: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const spelling of spellings) {
    const distance = editDistance(word, spelling);
    const similarity = 1 - distance / Math.max(word.length, spelling.length);
    if (spelling.length > 1 && similarity > 0.4 && distance < bestDistance) [best, bestDistance] = [spelling, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** A noun groups its verbs: `vmx <noun> <verb>`. */
export function buildNoun(
  noun: { name: string; summary: string; alias?: string },
  verbs: VerbDefinition[],
  deps: CliDeps,
): Command {
  const command = new Noun(noun.name).description(noun.summary).configureHelp(verbListHelp);
  if (noun.alias) command.alias(noun.alias);
  const names = new Set(verbs.map((verb) => verb.name));
  for (const verb of verbs) {
    const aliases = verb.aliases ?? (CONVENTIONAL_ALIASES[verb.name] ?? []).filter((alias) => !names.has(alias));
    command.addCommand(buildVerb({ ...verb, aliases }, deps));
  }
  return command;
}

/**
 * Loads the verbs a command line may name, so that their flags are registered before commander parses
 * it (or prints their help). Generous rather than exact: every word of the line that names a command
 * counts, wherever it stands. Help that only lists verbs (`vmx`, `vmx --help`, `vmx env`, `vmx help
 * env`) loads none of them (see {@link verbListHelp}).
 */
export async function prepareVerbs(root: Command, argv: readonly string[]): Promise<void> {
  const words = new Set(argv.filter((word) => !word.startsWith('-')));
  const named = (parent: Command) =>
    parent.commands.filter((c) => words.has(c.name()) || c.aliases().some((alias) => words.has(alias)));
  const verbs = named(root).flatMap((top) => (loaders.has(top) ? [top] : named(top)));
  await Promise.all(verbs.map((verb) => loaders.get(verb)!()));
}
