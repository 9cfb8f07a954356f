import { createAdapters } from '../providers/adapters.js';
import { codecs } from '../providers/dialects/index.js';
import { sqliteBackend } from '../store/backend.js';
import { ConnectionSecrets, openCredentialStore } from '../store/credentials/index.js';
import { openStore, type Store } from '../store/open.js';
import { version } from '../version.js';
import { ConfigCache } from './config-cache.js';
import { createGateway } from './gateway.js';
import type { Logger } from './logger.js';
import type { DaemonParts, DataPaths } from './parts.js';
import { ChargeJournal } from './pipeline/record/charge-journal.js';
import { Recorder } from './pipeline/record/recorder.js';
import type { DaemonOptions } from './options.js';
import { DaemonStatus } from './status.js';

/** Above this a database made before incremental vacuum is left as it is: converting it would delay start-up. */
const CONVERT_UP_TO_BYTES = 256 * 1024 * 1024;

/**
 * The embedded default: the SQLite file in the data dir, secrets in the OS keychain, records written
 * by the writer thread, capacity counters in memory (carried over restarts by the store and the
 * charge journal), error rates rebuilt from recorded attempts.
 */
export function openEmbeddedParts(
  options: DaemonOptions,
  paths: DataPaths,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): DaemonParts {
  const store = openStore(paths.db);
  giveBackFreedRoom(store, logger);
  const secrets = new ConnectionSecrets(() => {
    const { store: credentials, warning } = openCredentialStore({ home: paths.home, env });
    if (warning) logger.warn(warning);
    return credentials;
  }, env);
  const config = new ConfigCache(store, secrets, logger);
  const thread = options.writerThread ?? new URL('./pipeline/record/writer-thread.ts', import.meta.url);
  const recorder = Recorder.start(paths.db, thread, logger);
  const { journal, counters } = ChargeJournal.open(paths.home, store.capacityCounters.all());
  const status = new DaemonStatus();
  const { adapters, client } = createAdapters();
  const gateway = createGateway({
    store,
    config,
    recorder,
    logger,
    status,
    version,
    adapters,
    codecs,
    clock: options.clock,
    counters,
    journal,
  });
  // From here on this connection only reads (and prunes, a step at a time): it never waits for a lock
  // another process holds — records go through the writer thread, which does.
  store.db.pragma('busy_timeout = 0');
  return {
    repositories: sqliteBackend(store),
    soleDaemon: true,
    config,
    recorder,
    client,
    status,
    gateway,
    async closeStore() {
      // The last batch held every counter change: the journal has nothing SQLite lacks.
      journal.retire();
      store.close();
    },
    async abandon() {
      recorder.stop();
      journal.close();
      config.stop();
      store.close();
    },
  };
}

/**
 * Databases made by earlier versions reuse the room retention frees but never shrink; below a size
 * that converts in a second or two, the daemon converts them once before it listens.
 */
function giveBackFreedRoom(store: Store, logger: Logger): void {
  if (store.space.incremental()) return;
  const size = store.space.sizeBytes();
  if (size > CONVERT_UP_TO_BYTES) {
    logger.warn(
      { sizeBytes: size },
      'this database predates incremental vacuum: pruned room is reused but the file does not shrink',
    );
    return;
  }
  const started = performance.now();
  try {
    store.space.enableIncremental();
    logger.info(
      { before: size, after: store.space.sizeBytes(), ms: Math.round(performance.now() - started) },
      'database converted to incremental vacuum',
    );
  } catch (error) {
    // Busy with another process: the next start tries again.
    logger.warn({ err: error }, 'could not convert the database to incremental vacuum this time');
  }
}
