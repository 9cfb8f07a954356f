import { UsageError } from '../../errors.js';
import { nameSchema } from '../input.js';
import { flag, text, type Options } from '../verb.js';

/** The flags of `workspace update` and `env update`: a new name, a new description. */
export const renameFlags = {
  name: flag('--name <name>', 'new name', () => nameSchema),
  description: text('--description <text>', 'new description ("" clears it)'),
};

/** What the repository writes: only the fields given, `""` clearing the description; a usage error when none is. */
export function renameChange({ name, description }: Options<typeof renameFlags>): {
  name: string | undefined;
  description: string | null | undefined;
} {
  if (name === undefined && description === undefined) {
    throw new UsageError('nothing to update: pass --name or --description');
  }
  return { name, description: description === '' ? null : description };
}
