import { afterAll, describe, expect, it } from 'vitest';
import { CapacityGate, isRejection } from '../../../src/gateway/capacity/gate.js';
import { backends, set } from './backends.js';

const { backends: list, skipped } = backends(import.meta.filename);

// Three daemons behind a load balancer: each has a gate of its own, on its own connection to the
// shared counters. Exactness must hold across them, not only inside one process.
describe.each(list)('three daemons sharing $name counters', (backend) => {
  afterAll(() => backend.close());

  it('admit exactly 5 of 30 concurrent requests against a connection limited to 5r/m', async () => {
    const { store, another } = await backend.counters();
    // Mid-minute on every daemon's clock: the window cannot roll over during the test.
    const now = Date.parse('2024-03-10T12:34:30.000Z');
    const gates = [store, another(), another()].map((s) => new CapacityGate(s, () => now));
    const limits = [set('key', ['1000r/m']), set('connection', ['5r/m'], 'conn-up', 'up')];
    const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => gates[i % 3]!.admit(limits, 10)));
    const refusals = verdicts.filter(isRejection);
    expect(verdicts.length - refusals.length).toBe(5);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ level: 'connection', name: 'up', limit: 5, dimension: 'requests' });
      expect(refusal.retryAfterSeconds).toBe(30);
    }
    // Refused requests charged nothing, at any level.
    expect(await gates[1]!.used('connection', 'conn-up', 'minute')).toEqual({ requests: 5, tokens: 50 });
    expect(await gates[2]!.used('key', 'key-id', 'minute')).toEqual({ requests: 5, tokens: 50 });
  });

  it('never deadlock or miscount when they name the same counters in opposite orders', async () => {
    const { store, another } = await backend.counters();
    const now = Date.parse('2024-03-10T12:34:30.000Z');
    const gates = [store, another(), another()].map((s) => new CapacityGate(s, () => now));
    const limits = [set('key', ['1000r/m']), set('resource', ['1000t/m']), set('connection', ['20r/m'])];
    const reversed = [...limits].reverse();
    const verdicts = await Promise.all(
      Array.from({ length: 60 }, (_, i) => gates[i % 3]!.admit(i % 2 ? limits : reversed, 1)),
    );
    expect(verdicts.filter((v) => !isRejection(v))).toHaveLength(20);
    expect(await gates[0]!.used('resource', 'resource-id', 'minute')).toEqual({ requests: 20, tokens: 20 });
  });

  it('see each other’s reconciles: tokens freed on one daemon admit on another', async () => {
    const { store, another } = await backend.counters();
    const now = Date.parse('2024-03-10T12:34:30.000Z');
    const [a, b] = [new CapacityGate(store, () => now), new CapacityGate(another(), () => now)];
    const limits = [set('connection', ['100t/m'])];
    const first = await a.admit(limits, 90);
    expect(isRejection(await b.admit(limits, 20))).toBe(true);
    if (isRejection(first)) throw new Error(first.message);
    await a.reconcile(first, 30);
    expect(isRejection(await b.admit(limits, 20))).toBe(false);
    expect(await a.used('connection', 'connection-id', 'minute')).toEqual({ requests: 2, tokens: 50 });
  });
});

for (const line of skipped) it.skip(line, () => {});
