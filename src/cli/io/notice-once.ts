import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * True the first time a notice is due in this data dir, false ever after: the first call leaves an
 * empty marker file (`notice-<name>`, 0600) that later ones find. A dir the marker cannot be written
 * to gets the notice every time, rather than never.
 */
export function firstNotice(home: string, name: string): boolean {
  try {
    writeFileSync(join(home, `notice-${name}`), '', { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EEXIST';
  }
}
