/**
 * What one admission costs on each counter store: `npx tsx test/gateway/capacity/admit-latency.ts`.
 * Memory: 1e6 admissions of three levels (four limits), µs per admission, median of 3 runs. Redis and
 * PostgreSQL (when VMX_TEST_REDIS_URL / VMX_TEST_DATABASE_URL are set): 10 000 sequential admissions,
 * p50/p99 in ms, then throughput with 30 admissions in flight on the same counters (three daemons).
 */
import type { CounterStore } from '../../../src/gateway/capacity/counter-store.js';
import { CapacityGate, type LimitSet } from '../../../src/gateway/capacity/gate.js';
import { MemoryCounters } from '../../../src/gateway/capacity/memory-counters.js';
import { backends } from './backends.js';

const limits: LimitSet[] = [
  {
    level: 'key',
    id: 'k1',
    name: 'key',
    limits: [
      { period: 'minute', requests: 1e12 },
      { period: 'day', tokens: 1e15 },
    ],
  },
  { level: 'resource', id: 'r1', name: 'resource', limits: [{ period: 'minute', requests: 1e12 }] },
  { level: 'connection', id: 'c1', name: 'connection', limits: [{ period: 'minute', requests: 1e12 }] },
];

function memoryMicros(n: number): number {
  const gate = new CapacityGate(new MemoryCounters());
  for (let i = 0; i < n / 4; i++) gate.admit(limits, 10);
  const start = performance.now();
  for (let i = 0; i < n; i++) gate.admit(limits, 10);
  return ((performance.now() - start) / n) * 1000;
}

async function sequential(store: CounterStore, n: number): Promise<{ p50: number; p99: number }> {
  const gate = new CapacityGate(store);
  for (let i = 0; i < 500; i++) await gate.admit(limits, 10);
  const took: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await gate.admit(limits, 10);
    took.push(performance.now() - start);
  }
  took.sort((a, b) => a - b);
  return { p50: took[Math.floor(n * 0.5)]!, p99: took[Math.floor(n * 0.99)]! };
}

/** Admissions per second with `inFlight` callers spread over three daemons' stores. */
async function concurrent(stores: CounterStore[], inFlight: number, n: number): Promise<number> {
  const gates = stores.map((store) => new CapacityGate(store));
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      while (next++ < n) await gates[worker % gates.length]!.admit(limits, 10);
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

const runs = [memoryMicros(1e6), memoryMicros(1e6), memoryMicros(1e6)];
const median = [...runs].sort((a, b) => a - b)[1]!;
console.log(`memory    ${runs.map((r) => r.toFixed(3)).join(' / ')} µs per admission (median ${median.toFixed(3)})`);

const { backends: list, skipped } = backends(import.meta.filename);
for (const backend of list.filter((b) => b.name !== 'memory')) {
  const { store, another } = await backend.counters();
  const { p50, p99 } = await sequential(store, 10_000);
  const perSecond = await concurrent([store, another(), another()], 30, 5_000);
  console.log(
    `${backend.name.padEnd(9)} p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms (10 000 sequential); ` +
      `${Math.round(perSecond)} admissions/s with 30 in flight over 3 daemons`,
  );
  await backend.close();
}
for (const line of skipped) console.log(line);
process.exit(0);
