import type { Store } from '../../../store/open.js';
import type { DiscoveredUpdate, RecordBatch } from '../../../store/record-batch.js';
import type { DiscoveredCapacity } from '../../../store/repos/connections.js';

export { emptyBatch, isEmpty, type DiscoveredUpdate, type RecordBatch } from '../../../store/record-batch.js';

/** Writes a batch in one IMMEDIATE transaction (all or nothing). */
export function writeBatch(store: Store, batch: RecordBatch): void {
  store.transaction(() => {
    if (batch.usage.length) store.usage.insertMany(batch.usage);
    for (const record of batch.audit) store.audit.insert(record);
    for (const row of batch.counters) store.capacityCounters.save(row);
    writeDiscovered(store, batch.discovered);
    const savedAt = Date.now();
    for (const { connectionId, state } of batch.poolStates) store.poolStates.put(connectionId, state, savedAt);
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
