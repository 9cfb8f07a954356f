import { afterAll, beforeAll, expect, it } from 'vitest';
import type { UsageRecord } from '../../src/store/repos/usage.js';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';
import { usageRow } from '../helpers/history-rows.js';
import { expectWithinBudget } from '../helpers/time-budget.js';

const DAY = 86_400_000;
const OLD_ROWS = 200_000;

describeEachGateway('retention in the daemon', (backend) => {
  let gw: TestGateway;

  beforeAll(async () => {
    // No pass on its own during the test: it is started by hand below.
    gw = await startGateway({ backend, retention: { firstAfterMs: 3_600_000 } });
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('prunes 200,000 old rows while requests keep being answered', { timeout: 120_000 }, async () => {
    const now = Date.now();
    let batch: UsageRecord[] = [];
    for (let i = 0; i < OLD_ROWS; i++) {
      batch.push(
        usageRow({
          requestId: `old-${i}`,
          at: now - 20 * DAY + Math.floor((i / OLD_ROWS) * 15 * DAY),
          workspaceId: gw.env.workspaceId,
          environmentId: gw.env.environmentId,
          resourceId: gw.env.resourceId,
          connectionId: gw.env.connectionId,
          model: 'fake-model',
          inputTokens: 10,
          outputTokens: 3,
          totalTokens: 13,
        }),
      );
      if (batch.length === 10_000) {
        await gw.repos.usage.insertMany(batch);
        batch = [];
      }
    }
    await gw.repos.settings.set('retention.usage-raw', '1d');

    const latencies: number[] = [];
    let pruning = true;
    const traffic = (async () => {
      while (pruning) {
        const started = performance.now();
        const response = await fetch(`${gw.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(response.status).toBe(200);
        await response.json();
        latencies.push(performance.now() - started);
      }
    })();
    const summary = await gw.daemon.prune();
    pruning = false;
    await traffic;

    expect(summary?.changed['usage-raw']).toBe(OLD_ROWS);
    latencies.sort((a, b) => a - b);
    const worst = latencies[latencies.length - 1]!;
    console.log(
      `prune of ${OLD_ROWS} rows: ${summary!.steps} steps in ${summary!.ms.toFixed(0)} ms (longest step ${summary!.longestStepMs.toFixed(1)} ms); ` +
        `${latencies.length} requests meanwhile, p50 ${latencies[latencies.length >> 1]!.toFixed(1)} ms, worst ${worst.toFixed(1)} ms`,
    );
    // Requests were served all along (the pass runs a step at a time, off the event loop), and none
    // waited for more than a few steps (a wall-clock budget: `npm run test:slow`).
    expect(summary!.steps).toBeGreaterThan(1);
    expect(latencies.length).toBeGreaterThan(10);
    expectWithinBudget(worst, 500, 'the slowest request during the prune');

    const status = (await (await fetch(`${gw.url}/v1/status`)).json()) as {
      retention: unknown;
      requests: { total: number };
    };
    expect(status.retention).toMatchObject({ steps: summary!.steps, changed: { 'usage-raw': OLD_ROWS } });
    expect(status.requests.total).toBeGreaterThanOrEqual(latencies.length);
    const human = await gw.cli('status');
    expect(human.stdout).toMatch(/retention:\s+last pass .*usage-raw 200,000/);
    // The old usage lives on in the hourly totals (the new requests' rows are written in batches: wait for them).
    const reported = async () =>
      (await gw.cli(`usage -w acme -e dev --since 25d --by resource --json`)).json().rows[0].requests as number;
    await eventually(async () => (await reported()) >= OLD_ROWS + latencies.length - 1).catch(() => undefined);
    expect(await reported()).toBeGreaterThanOrEqual(OLD_ROWS + latencies.length - 1);
  });

  it('starts a pass within its check interval when a retention setting changes', { timeout: 30_000 }, async () => {
    const other = await startGateway({ backend, retention: { firstAfterMs: 3_600_000, checkEveryMs: 100 } });
    try {
      const old = (n: number) =>
        usageRow({
          requestId: `stale-${n}`,
          at: Date.now() - 3 * DAY,
          workspaceId: other.env.workspaceId,
          environmentId: other.env.environmentId,
        });
      await other.repos.usage.insertMany([old(1), old(2), old(3)]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await other.repos.usage.counts()).raw).toBe(3);
      expect((await other.cli('config set retention.usage-raw 2d')).code).toBe(0);
      await eventually(async () => (await other.repos.usage.counts()).raw === 0, 15_000);
    } finally {
      await other.close();
    }
  });
});
