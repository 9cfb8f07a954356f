import { dataPaths, ensureHome, resolveHome } from '../config.js';
import { RuntimeError } from '../errors.js';
import { ConnectionSecrets, openCredentialStore } from '../store/credentials/index.js';
import { openStore, type Store } from '../store/open.js';
import { createAdapters } from '../providers/adapters.js';
import { codecs } from '../providers/dialects/index.js';
import { buildApp, type App } from './app.js';
import { createGateway, type Gateway } from './gateway.js';
import { createLogger, type Logger } from './logger.js';
import { isAlive, readPidfile, removePidfile, writePidfile } from '../pidfile.js';
import { ConfigCache } from './config-cache.js';
import { ChargeJournal } from './pipeline/record/charge-journal.js';
import { Recorder } from './pipeline/record/recorder.js';
import { DaemonStatus } from './status.js';
import { Pruner, type PrunerOptions } from './pruner.js';
import { version } from '../version.js';

export interface DaemonOptions {
  home?: string;
  host: string;
  port: number;
  /** How long in-flight requests (streams) may run on after SIGINT/SIGTERM. */
  graceMs: number;
  bodyLimit?: number;
  /** See AppDeps.requestTimeoutMs. */
  requestTimeoutMs?: number;
  /** See AppDeps.inFlightBodyBytes. */
  inFlightBodyBytes?: number;
  stdout: 'pretty' | 'json' | 'none';
  env?: NodeJS.ProcessEnv;
  /** The clock of capacity windows and error rates (tests move it). */
  clock?: () => number;
  /** When retention passes run. */
  retention?: PrunerOptions;
  /** The record writer's thread (dist/daemon/pipeline/record/writer-thread.js); by default its source, for running from source. */
  writerThread?: URL;
}

/** Above this a database made before incremental vacuum is left as it is: converting it would delay start-up. */
const CONVERT_UP_TO_BYTES = 256 * 1024 * 1024;

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

export interface RunningDaemon {
  url: string;
  port: number;
  logger: Logger;
  /** A retention pass now (they also run on their own schedule). */
  prune(): ReturnType<Pruner['run']>;
  close(reason?: string): Promise<void>;
}

/** What a running daemon holds, closed in order on shutdown. */
interface DaemonParts {
  store: Store;
  config: ConfigCache;
  recorder: Recorder;
  journal: ChargeJournal;
  client: Awaited<ReturnType<typeof createAdapters>>['client'];
  status: DaemonStatus;
  gateway: Gateway;
}

/** Opens the store, builds the app, listens, writes the pidfile; close() drains and flushes. */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const env = options.env ?? process.env;
  const paths = dataPaths(resolveHome(options.home, env));
  ensureHome(paths.home);
  const running = readPidfile(paths.pidfile);
  if (running && running.pid !== process.pid && isAlive(running.pid)) {
    throw new RuntimeError(`vmx is already running at ${running.url} (pid ${running.pid})`);
  }
  const logger = await createLogger({ file: paths.log, stdout: options.stdout });
  const parts = openParts(options, paths, env, logger);
  const app = await buildApp(parts.gateway, {
    bodyLimit: options.bodyLimit,
    requestTimeoutMs: options.requestTimeoutMs,
    inFlightBodyBytes: options.inFlightBodyBytes,
  });
  const { url, port } = await listen(app, parts, options);
  writePidfile(paths.pidfile, {
    pid: process.pid,
    url,
    host: options.host,
    port,
    startedAt: new Date(parts.status.startedAt).toISOString(),
    graceMs: options.graceMs,
  });
  announce(logger, url, paths.home, parts.store);
  const pruner = new Pruner(
    parts.store,
    (policy) => parts.recorder.prune(policy),
    logger,
    parts.status,
    options.retention,
  );
  pruner.start();
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    logger,
    prune: () => pruner.run(),
    close: (reason = 'close') =>
      (closing ??= shutdown(reason, app, parts, pruner, logger, options.graceMs, paths.pidfile)),
  };
}

/** The store, live configuration, record writer, charge journal and the gateway built on them. */
function openParts(
  options: DaemonOptions,
  paths: ReturnType<typeof dataPaths>,
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
  return { store, config, recorder, journal, client, status, gateway };
}

/** Listens; a daemon that cannot (port in use …) closes what it opened and says why. */
async function listen(app: App, parts: DaemonParts, options: DaemonOptions): Promise<{ url: string; port: number }> {
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    parts.recorder.stop();
    parts.journal.close();
    parts.config.stop();
    parts.store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new RuntimeError(`port ${options.port} on ${options.host} is in use`);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  parts.status.url = url;
  return { url, port };
}

function announce(logger: Logger, url: string, home: string, store: Store): void {
  logger.info({ url, home, version }, `vmx listening on ${url}`);
  logger.info(
    { openaiBaseUrl: `${url}/v1`, anthropicBaseUrl: url },
    `base URLs (the key names its environment): OpenAI SDKs ${url}/v1, Anthropic SDKs ${url}; per environment: ${url}/v1/completion/{workspace}/{environment} (Anthropic: …/anthropic)`,
  );
  if (store.apiKeys.listWithHashes().length === 0)
    logger.info('nothing is configured yet: run `vmx init` to add a connection, a resource and a key');
}

/** Drains in-flight requests (up to the grace period), then writes what is left and closes in order. */
async function shutdown(
  reason: string,
  app: App,
  parts: DaemonParts,
  pruner: Pruner,
  logger: Logger,
  graceMs: number,
  pidfile: string,
): Promise<void> {
  logger.info({ reason, inFlight: parts.status.inFlight }, 'shutting down: draining in-flight requests');
  // In-flight requests (long streams) get the grace period, then their connections are cut.
  const force = setTimeout(() => app.server.closeAllConnections(), graceMs);
  force.unref();
  // Keep-alive connections become idle as their last response ends; close them as they do.
  const idle = setInterval(() => app.server.closeIdleConnections(), 50);
  await app.close();
  clearTimeout(force);
  clearInterval(idle);
  parts.config.stop();
  // Timers stop now; a pass under way ends at its next step once the writer is told to close.
  const pruning = pruner.stop();
  await parts.client.close();
  await parts.recorder.close();
  await pruning;
  // The last batch held every counter change: the journal has nothing SQLite lacks.
  parts.journal.retire();
  parts.store.close();
  removePidfile(pidfile);
  logger.info('stopped');
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
}
