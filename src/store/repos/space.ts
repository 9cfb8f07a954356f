import { statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

/** How much room the database takes, and giving freed room back to the file system. */
export type SpaceRepo = ReturnType<typeof createSpaceRepo>;

export function createSpaceRepo(db: Database, path: string) {
  const pragma = (name: string) => db.pragma(name, { simple: true }) as number;
  const fileSize = (file: string) => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  };
  return {
    /** The database file plus its write-ahead log, in bytes. */
    sizeBytes: () => fileSize(path) + fileSize(`${path}-wal`),
    /** Pages freed by deletes and not yet given back. */
    freePages: () => pragma('freelist_count'),
    /** True when freed pages can be given back a few at a time (databases created by this version). */
    incremental: () => pragma('auto_vacuum') === 2,
    /** Gives back up to `pages` freed pages; returns how many are left. */
    vacuumStep(pages: number): number {
      db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
      return pragma('freelist_count');
    },
    /**
     * Turns on incremental vacuum for a database created without it: one full VACUUM, which rewrites
     * the file and blocks every writer meanwhile, so it is for start-up only.
     */
    enableIncremental(): void {
      db.pragma('auto_vacuum = INCREMENTAL');
      db.exec('VACUUM');
    },
    /** Writes the log back into the database and truncates it. */
    checkpoint(): void {
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
  };
}
