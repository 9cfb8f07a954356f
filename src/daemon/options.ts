import type { LogLevel } from '../config.js';
import type { PrunerOptions } from './pruner.js';

/** How `vmx serve` starts the daemon (daemon/main.ts), and how tests start it in process. */
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
  /** See AppOptions.fileLimit. */
  fileLimit?: number;
  stdout: 'pretty' | 'json' | 'none';
  /** The log's level (else VMX_LOG_LEVEL, else info); `warn` leaves out the line per request. */
  logLevel?: LogLevel;
  env?: NodeJS.ProcessEnv;
  /** The clock of capacity windows and error rates (tests move it). */
  clock?: () => number;
  /** When retention passes run. */
  retention?: PrunerOptions;
  /** The record writer's thread (dist/daemon/pipeline/record/writer-thread.js); by default its source, for running from source. */
  writerThread?: URL;
  /** A shared PostgreSQL store (else VMX_DATABASE_URL, else the data dir's SQLite file). */
  databaseUrl?: string;
  /** Redis for a shared store's counters and error rates (else VMX_REDIS_URL, else PostgreSQL). */
  redisUrl?: string;
  /** The key sealing a shared store's secrets (else VMX_SECRET_KEY / VMX_SECRET_KEY_FILE). */
  secretKeyFile?: string;
}
