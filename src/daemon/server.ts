import { dataPaths, ensureHome, logLevel, LOG_LEVELS, resolveHome, type LogLevel } from '../config.js';
import { RuntimeError } from '../errors.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { buildApp, type App } from './app.js';
import { BatchRunner } from './batch/runner.js';
import { createLogger, type Logger } from './logger.js';
import { isAlive, readPidfile, removePidfile, writePidfile } from '../pidfile.js';
import type { DaemonOptions } from './options.js';
import { openEmbeddedParts } from './embedded-parts.js';
import type { DaemonParts, DataPaths } from './parts.js';
import { Pruner, type PrunerOptions } from './pruner.js';
import { version } from '../version.js';

export type { DaemonOptions } from './options.js';

export interface RunningDaemon {
  url: string;
  port: number;
  logger: Logger;
  /** A retention pass now (they also run on their own schedule). */
  prune(): ReturnType<Pruner['run']>;
  close(reason?: string): Promise<void>;
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
  const logger = await createLogger({ file: paths.log, stdout: options.stdout, level: levelOf(options, env) });
  const parts = await openParts(options, paths, env, logger);
  const batches = new BatchRunner({
    queue: parts.repositories.batches,
    gateway: parts.gateway,
    logger,
    owner: `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`,
    clock: options.clock,
    soleRunner: parts.soleDaemon,
  });
  const app = await buildApp(parts.gateway, {
    bodyLimit: options.bodyLimit,
    requestTimeoutMs: options.requestTimeoutMs,
    inFlightBodyBytes: options.inFlightBodyBytes,
    batches: { store: parts.repositories, wake: () => batches.wake(), clock: options.clock },
    fileLimit: options.fileLimit,
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
  await announce(logger, url, paths.home, parts);
  const pruner = new Pruner(
    parts.repositories,
    (policy) => parts.recorder.prune(policy),
    logger,
    parts.status,
    options.retention,
  );
  pruner.start();
  batches.start();
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    logger,
    prune: () => pruner.run(),
    close: (reason = 'close') =>
      (closing ??= shutdown(reason, app, parts, { pruner, batches }, logger, options.graceMs, paths.pidfile)),
  };
}

/** The level the options name, else VMX_LOG_LEVEL's, else info; a level that is none of them is an error. */
function levelOf(options: DaemonOptions, env: NodeJS.ProcessEnv): LogLevel {
  if (options.logLevel) return options.logLevel;
  if (!env.VMX_LOG_LEVEL) return 'info';
  const level = logLevel(env.VMX_LOG_LEVEL);
  if (!level) throw new RuntimeError(`VMX_LOG_LEVEL '${env.VMX_LOG_LEVEL}' is not one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** Listens; a daemon that cannot (port in use …) closes what it opened and says why. */
async function listen(app: App, parts: DaemonParts, options: DaemonOptions): Promise<{ url: string; port: number }> {
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await parts.abandon();
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

async function announce(logger: Logger, url: string, home: string, parts: DaemonParts): Promise<void> {
  logger.info({ url, home, version }, `vmx listening on ${url}`);
  logger.info(
    { openaiBaseUrl: `${url}/v1`, anthropicBaseUrl: url },
    `base URLs (the key names its environment): OpenAI SDKs ${url}/v1, Anthropic SDKs ${url}; per environment: ${url}/v1/completion/{workspace}/{environment} (Anthropic: …/anthropic)`,
  );
  if ((await parts.repositories.apiKeys.listWithHashes()).length === 0)
    logger.info('nothing is configured yet: run `vmx init` to add a connection, a resource and a key');
}

/** Drains in-flight requests (up to the grace period), then writes what is left and closes in order. */
async function shutdown(
  reason: string,
  app: App,
  parts: DaemonParts,
  { pruner, batches }: { pruner: Pruner; batches: BatchRunner },
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
  // Batch items in flight finish (or wait for their grace) with the requests; none is claimed after.
  const running = batches.stop();
  await app.close();
  clearTimeout(force);
  clearInterval(idle);
  await running;
  await parts.config.stop();
  // Timers stop now; a pass under way ends at its next step once the writer is told to close.
  const pruning = pruner.stop();
  await parts.client.close();
  await parts.recorder.close();
  await pruning;
  await parts.closeStore();
  removePidfile(pidfile);
  logger.info('stopped');
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
}

/** The parts on the store the options name: `databaseUrl` for a shared one, else the data dir's file. */
async function openParts(
  options: DaemonOptions,
  paths: DataPaths,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<DaemonParts> {
  const databaseUrl = options.databaseUrl || env.VMX_DATABASE_URL || undefined;
  if (!databaseUrl) return openEmbeddedParts(options, paths, env, logger);
  // Loaded only for a shared store: the embedded default never loads the PostgreSQL and Redis clients.
  const { openSharedParts } = await import('./shared-parts.js');
  return openSharedParts(databaseUrl, options, env, logger);
}
