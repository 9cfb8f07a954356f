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
    const shared = store.kind === 'postgres';
    const schemaLatest = shared
      ? (await import('../../store/postgres/migrations/index.js')).latestSchemaVersion
      : latestSchemaVersion;
    const credentials = shared
      ? await sharedCredentialReport(ctx.flags.secretKeyFile, ctx.deps.env)
      : credentialReport(ctx.paths.home, ctx.deps.env);
    const rows = await store.usage.counts();
    const counters = shared ? await countersReport(ctx.storeUrls().redisUrl) : { counters: 'daemon' };
    ctx.out.object({
      version,
      node: process.version,
      user: ctx.user,
      home: ctx.paths.home,
      homeMode: mode.toString(8).padStart(4, '0'),
      store: store.kind,
      database: store.location,
      schemaVersion,
      schemaLatest,
      schemaOk: schemaVersion === schemaLatest,
      databaseBytes: await store.space.sizeBytes(),
      usageRows: rows.raw,
      usageHourlyRows: rows.hourly,
      auditRows: await store.audit.count(),
      ...counters,
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

/** In a shared store, secrets are sealed in the database: which key seals them, or why none can. */
async function sharedCredentialReport(
  keyFile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<{ kind: string; detail: string }> {
  const { loadSecretKeys } = await import('../../store/credentials/sealed-keys.js');
  try {
    const keys = loadSecretKeys({ keyFile, env });
    return {
      kind: 'shared',
      detail: keys
        ? `sealed in the database with AES-256-GCM, key ${keys.current.id} from ${keys.source}`
        : 'sealed in the database; no secret key given (VMX_SECRET_KEY or --secret-key-file): secrets can be neither read nor stored',
    };
  } catch (error) {
    return { kind: 'unavailable', detail: (error as Error).message };
  }
}

/**
 * Where the daemons of a shared store keep capacity counters and error rates: Redis when one is named
 * (and whether it answers), else PostgreSQL.
 */
async function countersReport(redisUrl: string | undefined): Promise<Record<string, string | boolean>> {
  if (!redisUrl) return { counters: 'postgres' };
  const [{ connectRedis }, { withoutPassword }] = await Promise.all([
    import('../../store/redis/connect.js'),
    import('../../store/url.js'),
  ]);
  const report = { counters: 'redis', redis: withoutPassword(redisUrl) };
  try {
    (await connectRedis(redisUrl)).disconnect();
    return { ...report, redisOk: true };
  } catch (error) {
    return { ...report, redisOk: false, redisError: (error as Error).message };
  }
}
