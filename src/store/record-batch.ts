import type { Capacity } from '../gateway/capacity/limits.js';
import type { PoolState } from '../gateway/pools/scaling.js';
import type { AuditRecord } from './repos/audit.js';
import type { CounterRow } from './repos/capacity-counters.js';
import type { UsageRecord } from './repos/usage.js';

/** A limit a provider announced for one model of a connection (rate-limit headers). */
export interface DiscoveredUpdate {
  connectionId: string;
  model: string;
  capacity: Capacity;
  at: string;
}

/** What the daemon records in one transaction, whichever writer takes it (the SQLite thread, PostgreSQL's). */
export interface RecordBatch {
  usage: UsageRecord[];
  audit: AuditRecord[];
  /** Capacity counters changed since the last batch, as they are now. */
  counters: CounterRow[];
  discovered: DiscoveredUpdate[];
  /** Pool allocations changed since the last batch, as they are now (the embedded store's; a shared one keeps its own). */
  poolStates: { connectionId: string; state: PoolState }[];
  /** Charge-journal files whose every entry this batch's counters include: removed once it is committed. */
  supersedes: string[];
}

export const emptyBatch = (): RecordBatch => ({
  usage: [],
  audit: [],
  counters: [],
  discovered: [],
  poolStates: [],
  supersedes: [],
});

export const isEmpty = (batch: RecordBatch): boolean =>
  batch.usage.length +
    batch.audit.length +
    batch.counters.length +
    batch.discovered.length +
    batch.poolStates.length +
    batch.supersedes.length ===
  0;
