import { existsSync, statSync } from 'node:fs';
import { openCredentialStore } from '../../store/credentials/index.js';
import { latestSchemaVersion } from '../../store/migrations/index.js';
import { version } from '../../version.js';
import { defineVerb } from '../verb.js';

export const verb = defineVerb({
  async run(_options, ctx) {
    const store = await ctx.store();
    const mode = statSync(ctx.paths.home).mode & 0o777;
    const schemaVersion = await store.schemaVersion();
    const credentials = credentialReport(ctx.paths.home, ctx.deps.env);
    const rows = await store.usage.counts();
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
      databaseBytes: await store.space.sizeBytes(),
      usageRows: rows.raw,
      usageHourlyRows: rows.hourly,
      auditRows: await store.audit.count(),
      settingsFile: existsSync(ctx.paths.config) ? ctx.paths.config : null,
      credentialStore: credentials.kind,
      credentialStoreDetail: credentials.detail,
    });
  },
});

/** Which credential store is active here, or why none can be used; doctor reports rather than fails. */
function credentialReport(home: string, env: NodeJS.ProcessEnv): { kind: string; detail: string } {
  try {
    const { store, warning } = openCredentialStore({ home, env });
    return { kind: store.kind, detail: warning ? `${store.description} — ${warning}` : store.description };
  } catch (error) {
    return { kind: 'unavailable', detail: (error as Error).message };
  }
}
