import type { Capacity } from '../../../gateway/capacity/limits.js';
import type { Store } from '../../../store/open.js';
import type { AuditRecord } from '../../../store/repos/audit.js';
import type { CounterRow } from '../../../store/repos/capacity-counters.js';
import type { DiscoveredCapacity } from '../../../store/repos/connections.js';
import type { UsageRecord } from '../../../store/repos/usage.js';

/** A limit a provider announced for one model of a connection (rate-limit headers). */
export interface DiscoveredUpdate {
  connectionId: string;
  model: string;
  capacity: Capacity;
  at: string;
}

/** What the daemon records in one transaction. */
export interface RecordBatch {
  usage: UsageRecord[];
  audit: AuditRecord[];
  /** Capacity counters changed since the last batch, as they are now. */
  counters: CounterRow[];
  discovered: DiscoveredUpdate[];
  /** Charge-journal files whose every entry this batch's counters include: removed once it is committed. */
  supersedes: string[];
}

export const emptyBatch = (): RecordBatch => ({ usage: [], audit: [], counters: [], discovered: [], supersedes: [] });

export const isEmpty = (batch: RecordBatch): boolean =>
  batch.usage.length +
    batch.audit.length +
    batch.counters.length +
    batch.discovered.length +
    batch.supersedes.length ===
  0;

/** Writes a batch in one IMMEDIATE transaction (all or nothing). */
export function writeBatch(store: Store, batch: RecordBatch): void {
  store.transaction(() => {
    if (batch.usage.length) store.usage.insertMany(batch.usage);
    for (const record of batch.audit) store.audit.insert(record);
    for (const row of batch.counters) store.capacityCounters.save(row);
    writeDiscovered(store, batch.discovered);
  });
}

function writeDiscovered(store: Store, updates: DiscoveredUpdate[]): void {
  const byConnection = new Map<string, DiscoveredUpdate[]>();
  for (const update of updates)
    byConnection.set(update.connectionId, [...(byConnection.get(update.connectionId) ?? []), update]);
  for (const [connectionId, list] of byConnection) {
    const connection = store.connections.get(connectionId);
    if (!connection) continue;
    const discovered: DiscoveredCapacity = { ...connection.discoveredCapacity };
    for (const { model, capacity, at } of list) discovered[model] = { updatedAt: at, capacity: [capacity] };
    store.connections.setDiscoveredCapacity(connectionId, discovered);
  }
}
