import type { Command, Option } from 'commander';

/** What the word being typed is: a noun or verb, a flag, a flag's value or a verb's argument. */
export type Slot =
  | { kind: 'commands'; names: string[] }
  | { kind: 'flags'; names: string[] }
  | { kind: 'value'; flag: string }
  | { kind: 'argument'; path: string[]; index: number }
  | { kind: 'none' };

/** The flags given so far that choose where names come from (`-w acme`, `--home /x`), by long name. */
export type GivenFlags = Record<string, string>;

/**
 * Walks the words typed after `vmx` (the last one, possibly empty, is the one being completed) down
 * the program's commands, skipping flags and their values, and says what the last word can be.
 */
export function slotOf(root: Command, words: string[]): { slot: Slot; given: GivenFlags } {
  const typed = words.slice(0, -1);
  const current = words.at(-1) ?? '';
  const given: GivenFlags = {};
  const path: string[] = [];
  let command = root;
  let positional = 0;
  for (let i = 0; i < typed.length; i++) {
    const word = typed[i]!;
    if (word === '--') break;
    if (word.startsWith('-')) {
      const option = findOption(command, root, word.split('=')[0]!);
      if (option && takesValue(option) && !word.includes('=')) {
        if (i === typed.length - 1) return { slot: { kind: 'value', flag: option.long ?? word }, given };
        given[option.long ?? word] = typed[++i]!;
      }
      continue;
    }
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub && positional === 0) {
      command = sub;
      path.push(sub.name());
    } else positional++;
  }
  if (current.startsWith('-')) return { slot: { kind: 'flags', names: flagNames(command, root) }, given };
  const subs = command.commands.filter((c) => !isHidden(c));
  if (subs.length > 0 && positional === 0) {
    return { slot: { kind: 'commands', names: subs.map((c) => c.name()) }, given };
  }
  return { slot: { kind: 'argument', path, index: positional }, given };
}

function findOption(command: Command, root: Command, spelling: string): Option | undefined {
  const match = (o: Option) => o.long === spelling || o.short === spelling;
  return command.options.find(match) ?? root.options.find(match);
}

const takesValue = (option: Option) => option.required || option.optional;

/** A command's own flags, then the global ones (`--version` is the root's own); negations included. */
function flagNames(command: Command, root: Command): string[] {
  const globals = command === root ? [] : root.options.filter((o) => o.long !== '--version');
  const names = [...command.options, ...globals].filter((o) => !o.hidden).map((o) => o.long ?? o.short!);
  return [...new Set([...names, '--help'])];
}

const isHidden = (command: Command) => (command as unknown as { _hidden?: boolean })._hidden === true;
