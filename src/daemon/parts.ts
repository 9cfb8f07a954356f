import type { dataPaths } from '../config.js';
import type { UpstreamClient } from '../providers/http/upstream-client.js';
import type { Repositories } from '../store/backend.js';
import type { PruneSummary, RetentionPolicy } from '../store/retention.js';
import type { LiveConfig } from './config-snapshot.js';
import type { Gateway } from './gateway.js';
import type { DaemonStatus } from './status.js';

/**
 * What a running daemon holds, whichever store it runs on: the embedded SQLite file (embedded-parts.ts)
 * or a shared PostgreSQL (+ Redis) store (shared-parts.ts). Closed in order on shutdown.
 */
export interface DaemonParts {
  /** What the pruner and start-up read of the store. */
  repositories: Pick<Repositories, 'settings' | 'space' | 'apiKeys' | 'batches' | 'files'>;
  /** This daemon is the only one on its store (the embedded default): no other runs its batches. */
  soleDaemon: boolean;
  config: LiveConfig;
  recorder: { stop(): void; close(): Promise<void>; prune(policy: RetentionPolicy): Promise<PruneSummary> };
  client: UpstreamClient;
  status: DaemonStatus;
  gateway: Gateway;
  /** After the last records are written: closes the store and what goes with it. */
  closeStore(): Promise<void>;
  /** The daemon never served (it could not listen): closes everything without a last write. */
  abandon(): Promise<void>;
}

export type DataPaths = ReturnType<typeof dataPaths>;
