import { existsSync, statSync } from 'node:fs';
import { latestSchemaVersion } from '../../store/migrations/index.js';
import { version } from '../version.js';
import type { VerbRun } from '../verb.js';

export const run: VerbRun = async (ctx) => {
  const store = await ctx.store();
  const mode = statSync(ctx.paths.home).mode & 0o777;
  const schemaVersion = store.schemaVersion();
  ctx.out.object({
    version,
    node: process.version,
    user: ctx.user,
    home: ctx.paths.home,
    homeMode: mode.toString(8).padStart(4, '0'),
    database: ctx.paths.db,
    schemaVersion,
    schemaLatest: latestSchemaVersion,
    schemaOk: schemaVersion === latestSchemaVersion,
    settingsFile: existsSync(ctx.paths.config) ? ctx.paths.config : null,
  });
};
