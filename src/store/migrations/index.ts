import type { Database } from 'better-sqlite3';
import * as m0001 from './0001-workspaces.js';
import * as m0002 from './0002-gateway-config.js';
import * as m0003 from './0003-usage-audit.js';
import * as m0004 from './0004-capacity-counters.js';
import * as m0005 from './0005-cost-rollups-retention.js';
import * as m0006 from './0006-key-overrides.js';
import * as m0007 from './0007-pools.js';
import * as m0008 from './0008-batches.js';
import * as m0009 from './0009-config-version.js';

/**
 * Every migration in order; migration N brings the schema to `user_version` N.
 * A landed migration is never edited: a change to the schema is a new file appended here.
 */
export const migrations: ReadonlyArray<{ name: string; up: (db: Database) => void }> = [
  { name: '0001-workspaces', up: m0001.up },
  { name: '0002-gateway-config', up: m0002.up },
  { name: '0003-usage-audit', up: m0003.up },
  { name: '0004-capacity-counters', up: m0004.up },
  { name: '0005-cost-rollups-retention', up: m0005.up },
  { name: '0006-key-overrides', up: m0006.up },
  { name: '0007-pools', up: m0007.up },
  { name: '0008-batches', up: m0008.up },
  { name: '0009-config-version', up: m0009.up },
];

export const latestSchemaVersion = migrations.length;
