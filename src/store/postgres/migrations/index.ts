import type { Queryable } from '../queryable.js';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-pools.js';
import * as m0003 from './0003-batches.js';

/**
 * Every PostgreSQL migration in order; migration N brings the schema to version N (a row of
 * schema_migrations). A landed migration is never edited: a change to the schema is a new file
 * appended here, beside the SQLite migration that makes the same change.
 */
export const migrations: ReadonlyArray<{ version: number; name: string; up: (q: Queryable) => Promise<void> }> = [
  { version: 1, name: '0001-initial', up: m0001.up },
  { version: 2, name: '0002-pools', up: m0002.up },
  { version: 3, name: '0003-batches', up: m0003.up },
];

export const latestSchemaVersion = migrations.length;
