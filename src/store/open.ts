import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { tightenFiles } from '../config.js';
import { RuntimeError } from '../errors.js';
import { madeOnFirstUse } from './made-on-first-use.js';
import { latestSchemaVersion, migrations } from './migrations/index.js';
import { createApiKeyRepo, type ApiKeyRepo } from './repos/api-keys.js';
import { createAuditRepo, type AuditRepo } from './repos/audit.js';
import { createBatchRepo, type BatchRepo } from './repos/batches.js';
import { createCapacityCounterRepo, type CapacityCounterRepo } from './repos/capacity-counters.js';
import { createConnectionRepo, type ConnectionRepo } from './repos/connections.js';
import { createEnvironmentRepo, type EnvironmentRepo } from './repos/environments.js';
import { createFileRepo, type FileRepo } from './repos/files.js';
import { createMemberRepo, type MemberRepo } from './repos/members.js';
import { createPoolStateRepo, type PoolStateRepo } from './repos/pool-states.js';
import { createPoolRepo, type PoolRepo } from './repos/pools.js';
import { createResourceRepo, type ResourceRepo } from './repos/resources.js';
import { createSettingsRepo, type SettingsRepo } from './repos/settings.js';
import { createSpaceRepo, type SpaceRepo } from './repos/space.js';
import { createUsageRepo, type UsageRepo } from './repos/usage.js';
import { createWorkspaceRepo, type WorkspaceRepo } from './repos/workspaces.js';
import { registerSqlFunctions } from './usage-rollup.js';

/** An open store: the database plus one repository per entity. Repositories are the only code that runs SQL. */
export interface Store {
  readonly path: string;
  readonly db: Database.Database;
  readonly workspaces: WorkspaceRepo;
  readonly members: MemberRepo;
  readonly environments: EnvironmentRepo;
  readonly connections: ConnectionRepo;
  readonly resources: ResourceRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly pools: PoolRepo;
  readonly poolStates: PoolStateRepo;
  readonly files: FileRepo;
  readonly batches: BatchRepo;
  readonly usage: UsageRepo;
  readonly audit: AuditRepo;
  readonly capacityCounters: CapacityCounterRepo;
  readonly settings: SettingsRepo;
  readonly space: SpaceRepo;
  /** Runs `fn` in one IMMEDIATE transaction (takes the write lock up front, so it never deadlocks on upgrade). */
  transaction<T>(fn: () => T): T;
  schemaVersion(): number;
  /** Moves with every change to the configuration (migration 0009's triggers), and with nothing else. */
  configVersion(): number;
  close(): void;
}

/**
 * better-sqlite3 is CommonJS: required rather than imported, it loads without the scan of its exports
 * an import makes first (several milliseconds of every command that opens the store).
 */
const SqliteDatabase = createRequire(import.meta.url)('better-sqlite3') as typeof Database;

/** How long a writer waits for another process's lock before SQLITE_BUSY. CLI runs and the daemon share the file. */
const BUSY_TIMEOUT_MS = 10_000;

export function openStore(path: string, options: { readonly?: boolean } = {}): Store {
  let db: Database.Database;
  try {
    db = new SqliteDatabase(path, { readonly: options.readonly ?? false });
  } catch (error) {
    throw new RuntimeError(`cannot open the database at ${path}: ${(error as Error).message}`);
  }
  // SQLite creates the file 0644; made 0600 before anything is written, the -wal and -shm it creates
  // next take the database file's mode. Ones left by an earlier run are tightened here too.
  const files = [path, `${path}-wal`, `${path}-shm`];
  tightenFiles(files);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  registerSqlFunctions(db);
  if (!options.readonly) {
    // Chosen before the first table exists (later they take a VACUUM): a new file gives pages freed
    // by retention back a few at a time, and has 16 KiB pages, so that several audit rows (a request
    // and its answer, ~1–4 KB) share a page — with 4 KiB pages most took one each, and every page
    // is written twice (log, then checkpoint): ~6 writes per request instead of ~2.
    if (db.pragma('page_count', { simple: true }) === 0) {
      db.pragma('page_size = 16384');
      db.pragma('auto_vacuum = INCREMENTAL');
    }
    setWal(db);
    db.pragma('synchronous = NORMAL');
    // After a large prune the log is cut back to this size instead of staying at its peak.
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  }
  db.pragma('foreign_keys = ON');
  if (!options.readonly) {
    migrate(db);
    // After the first write, in case SQLite made its side files under another mode.
    tightenFiles(files);
  }

  // Each repository prepares its statements when it is first used: a CLI command uses two or three.
  const repositories = madeOnFirstUse<
    Omit<Store, 'path' | 'db' | 'transaction' | 'schemaVersion' | 'configVersion' | 'close'>
  >({
    workspaces: () => createWorkspaceRepo(db),
    members: () => createMemberRepo(db),
    environments: () => createEnvironmentRepo(db),
    connections: () => createConnectionRepo(db),
    resources: () => createResourceRepo(db),
    apiKeys: () => createApiKeyRepo(db),
    pools: () => createPoolRepo(db),
    poolStates: () => createPoolStateRepo(db),
    files: () => createFileRepo(db),
    batches: () => createBatchRepo(db),
    usage: () => createUsageRepo(db),
    audit: () => createAuditRepo(db),
    capacityCounters: () => createCapacityCounterRepo(db),
    settings: () => createSettingsRepo(db),
    space: () => createSpaceRepo(db, path),
  });
  let configVersion: Statement | undefined;
  return Object.assign(repositories, {
    path,
    db,
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),
    schemaVersion: () => db.pragma('user_version', { simple: true }) as number,
    configVersion: () => (configVersion ??= db.prepare('SELECT version FROM config_version').pluck()).get() as number,
    close: () => db.close(),
  });
}

/**
 * Switching a new file to WAL needs a moment of exclusive access; when many processes create the
 * store at once the switch can report SQLITE_BUSY despite the busy timeout, so it is retried.
 */
function setWal(db: Database.Database): void {
  for (let attempt = 0; ; attempt++) {
    try {
      if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 50) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/**
 * Brings the schema forward to the latest version. The version is re-read inside an IMMEDIATE
 * transaction so that concurrent first runs apply each migration exactly once.
 */
export function migrate(db: Database.Database): void {
  const current = () => db.pragma('user_version', { simple: true }) as number;
  const found = current();
  if (found > latestSchemaVersion) {
    throw new RuntimeError(
      `the database schema is version ${found}, newer than this vmx understands (${latestSchemaVersion})`,
      'upgrade vmx, or point --home at another data dir',
    );
  }
  if (found === latestSchemaVersion) return;
  db.transaction(() => {
    const from = current();
    for (let version = from; version < latestSchemaVersion; version++) migrations[version]!.up(db);
    db.pragma(`user_version = ${latestSchemaVersion}`);
  }).immediate();
}
