import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';
import { chatItems, cliBatch } from '../helpers/batches.js';
import { parsePrometheus, sumSamples } from '../helpers/prometheus.js';

/**
 * Any daemon on a shared store works off any batch, and no item runs twice (issue "Prioritization
 * pools and batch completion": claims): three daemons on one PostgreSQL (+ Redis), one batch of 40.
 */
describeEachGateway(
  'a batch worked off by three daemons',
  (backend) => {
    let gw: TestGateway;
    const urls: string[] = [];
    beforeAll(async () => {
      gw = await startGateway({ backend });
      urls.push(gw.url, (await gw.startAnother()).url, (await gw.startAnother()).url);
    });
    afterAll(() => gw.close());

    it('runs every item exactly once, the daemons sharing the work', async () => {
      gw.fake.setDefault({ kind: 'delay', ms: 250, then: { kind: 'reply' } });
      const batch = await gw.repos.batches.create(cliBatch(gw.env.environmentId), chatItems(40));
      await eventually(
        async () => (await gw.repos.batches.get(gw.env.environmentId, batch.id))!.status === 'completed',
        30_000,
      );
      const questions = gw.fake.requests.map((r) => r.json.messages[0].content as string);
      expect(questions.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `question ${i}`).sort());
      const items = await gw.repos.batches.items(batch.id);
      expect(items.every((i) => i.status === 'completed' && i.attempts === 1)).toBe(true);
      // Who ran what: each daemon's own count of chat requests.
      const ran = await Promise.all(
        urls.map(async (url) =>
          sumSamples(parsePrometheus(await (await fetch(`${url}/metrics`)).text()), 'vmx_requests_total'),
        ),
      );
      expect(ran.reduce((a, b) => a + b, 0)).toBe(40);
      expect(ran.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    });
  },
  ['postgres', 'postgres+redis'],
);
