import type { Command } from 'commander';
import { createContext, type CliDeps } from '../../context.js';
import { prepareVerbs } from '../../verb.js';
import { slotOf } from './candidates.js';
import { namesFor } from './names.js';

/**
 * `vmx __complete <words…>`, what the completion scripts call on each Tab: the words after `vmx`, the
 * last one being typed (possibly empty), and prints the words that can take its place, one a line.
 * Nouns, verbs and flags come from the program itself, names from the store (never the daemon). It
 * never fails out loud: a broken store or a strange line completes to nothing. `program` is the CLI's
 * own (main builds it: this module loads only for completion).
 */
export async function complete(words: string[], deps: CliDeps, program: Command): Promise<number> {
  await prepareVerbs(program, words);
  const { slot, given } = slotOf(program, words.length > 0 ? words : ['']);
  const ctx = createContext({ home: given['--home'], as: given['--as'], databaseUrl: given['--database-url'] }, deps);
  let names: string[] = [];
  try {
    names = await namesFor(slot, given, ctx);
  } catch {
    // Completion is best effort: the command the user then runs will say what is wrong.
  } finally {
    await ctx.dispose().catch(() => {});
  }
  const current = words.at(-1) ?? '';
  const fitting = [...new Set(names)].filter((name) => name.startsWith(current));
  if (fitting.length > 0) deps.stdout.write(`${fitting.join('\n')}\n`);
  return 0;
}
