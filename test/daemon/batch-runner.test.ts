import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';
import { chatItems, cliBatch } from '../helpers/batches.js';
import type { Capacity } from '../../src/gateway/capacity/limits.js';

/** 5 s into a minute. */
const START = Date.UTC(2026, 11, 1, 10, 0, 5);
let now = START;
const clock = () => now;
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

/** Issue "Prioritization pools and batch completion", acceptance 2: a batch runs at the pace the limits allow. */
describeEachGateway(
  'batch runner',
  (backend) => {
    let gw: TestGateway | undefined;
    afterEach(async () => {
      await gw?.close();
      gw = undefined;
      now = START;
    });

    const batchOf = (count: number, capacity: Capacity[] = []) =>
      gw!.repos.batches.create(cliBatch(gw!.env.environmentId, capacity), chatItems(count));
    const counts = async (id: string) => (await gw!.repos.batches.get(gw!.env.environmentId, id))!;

    it('5 items against a 2r/m connection: 2 a minute, the rest parked (through a restart), done in the third minute with no 429', async () => {
      gw = await startGateway({ backend, clock });
      const connection = (await gw.repos.connections.get(gw.env.connectionId))!;
      await gw.repos.connections.update(connection, { capacity: [{ period: 'minute', requests: 2 }] }, 'alice');
      await settle();
      const batch = await batchOf(5);

      await eventually(async () => (await counts(batch.id)).counts.completed === 2);
      await settle(); // the runner looks again: nothing more fits this minute
      let seen = await counts(batch.id);
      expect(seen.counts).toMatchObject({ completed: 2, queued: 3, failed: 0 });
      expect(seen.status).toBe('running');
      expect(seen.nextAt).toBe(START - (START % 60_000) + 60_000); // parked until the next window
      expect(gw.fake.requests).toHaveLength(2);

      // The batch is in the store: a restart loses nothing of it.
      await gw.restart();
      now += 60_000;
      await eventually(async () => (await counts(batch.id)).counts.completed === 4);
      now += 60_000;
      await eventually(async () => (await counts(batch.id)).status === 'completed');
      seen = await counts(batch.id);
      expect(seen.counts).toMatchObject({ total: 5, completed: 5, failed: 0, queued: 0, running: 0 });
      expect(gw.fake.requests).toHaveLength(5);

      const items = await gw.repos.batches.items(batch.id);
      expect(items.map((i) => [i.customId, i.status, i.statusCode])).toEqual(
        Array.from({ length: 5 }, (_, i) => [`q${i}`, 'completed', 200]),
      );
      for (const i of items) expect((i.response as any).choices[0].message.content).toBeTruthy();
      // Through the normal pipeline: one audit row and one usage row per item, under the batch's id.
      const audit = await eventually(async () => {
        const rows = await gw!.repos.audit.list({
          environmentId: gw!.env.environmentId,
          correlationId: batch.id,
          limit: 100,
        });
        return rows.length === 5 && rows;
      });
      expect(audit.map((row) => [row.status, row.error])).toEqual(Array(5).fill([200, null]));
      const usage = (await Promise.all(audit.map((row) => gw!.repos.usage.forRequest(row.requestId)))).flat();
      expect(usage).toHaveLength(5);
      expect(usage.every((row) => row.correlationId === batch.id && row.status === 200)).toBe(true);
    });

    it("the batch's own limit paces it too; a provider's 429 waits its Retry-After; a 400 fails the item alone", async () => {
      gw = await startGateway({ backend, clock });
      gw.fake.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '20' } });
      gw.fake.enqueue({ kind: 'error', status: 400 });
      const batch = await batchOf(3, [{ period: 'minute', requests: 2 }]);
      await eventually(async () => (await counts(batch.id)).counts.failed === 1);
      await settle();
      // The first item sent met the 429 and waits its 20 s; the second met the 400; the third waits
      // for the batch's next minute (2 were sent). Items run side by side: which is which may vary.
      expect((await counts(batch.id)).counts).toMatchObject({ completed: 0, failed: 1, queued: 2 });
      const nextMinute = START - (START % 60_000) + 60_000;
      const waits = async () => (await gw!.repos.batches.items(batch.id)).map((i) => i.notBefore).sort();
      expect(await waits()).toEqual([0, START + 20_000, nextMinute]);
      // 20 s on, the first is due, but its batch has sent its 2 this minute: it waits with the third.
      now += 20_000;
      await eventually(async () => (await waits()).join() === [0, nextMinute, nextMinute].join());
      expect((await counts(batch.id)).counts.completed).toBe(0);
      now = nextMinute + 1_000;
      await eventually(async () => (await counts(batch.id)).status === 'completed');
      expect((await counts(batch.id)).counts).toMatchObject({ completed: 2, failed: 1 });
      expect(gw.fake.requests).toHaveLength(4);
      const items = await gw.repos.batches.items(batch.id);
      expect(items.map((i) => i.attempts).sort()).toEqual([1, 2, 3]);
      expect(items.find((i) => i.status === 'failed')).toMatchObject({ statusCode: 400, attempts: 1 });
    });
  },
  ['sqlite', 'postgres', 'postgres+redis'],
);

// The embedded store has one daemon: one started after a crash takes over at once what the dead
// process held, rather than after its 10-minute leases.
describe('batch runner on the embedded store', () => {
  it('takes over at start the items a dead daemon left running', async () => {
    const gw = await startGateway();
    try {
      await gw.daemon.close('test');
      const batch = await gw.repos.batches.create(cliBatch(gw.env.environmentId), chatItems(3));
      const held = await gw.repos.batches.claim({ owner: 'dead', now: Date.now(), limit: 3, leaseMs: 600_000 });
      expect(held).toHaveLength(3);
      await gw.restart();
      await eventually(
        async () => (await gw.repos.batches.get(gw.env.environmentId, batch.id))!.status === 'completed',
      );
      expect(gw.fake.requests).toHaveLength(3);
    } finally {
      await gw.close();
    }
  });
});
