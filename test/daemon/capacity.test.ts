import { afterEach, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/** 10 s into a minute, so the window has 50 s left. */
let now = Date.UTC(2026, 10, 25, 5, 0, 10);
const clock = () => now;
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

async function post(gw: TestGateway, key = gw.key, content = 'hi') {
  const response = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    json: (await response.json()) as any,
  };
}

describeEachGateway(
  'capacity gating',
  (backend) => {
    let gw: TestGateway | undefined;
    afterEach(async () => {
      await gw?.close();
      gw = undefined;
      now = Date.UTC(2026, 10, 25, 5, 0, 10);
    });

    it('5r/m on a connection: 50 concurrent → exactly 5 admitted; survives a restart; the next window admits', async () => {
      gw = await startGateway({ backend, clock });
      const connection = (await gw.repos.connections.get(gw.env.connectionId))!;
      await gw.repos.connections.update(connection, { capacity: [{ period: 'minute', requests: 5 }] }, 't');
      await settle();
      const results = await Promise.all(Array.from({ length: 50 }, () => post(gw!)));
      const ok = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status === 429);
      expect(ok).toHaveLength(5);
      expect(refused).toHaveLength(45);
      expect(gw.fake.requests).toHaveLength(5);
      for (const r of refused) {
        expect(r.retryAfter).toBe('50');
        expect(r.json.error).toMatchObject({ code: 'capacity_exceeded', type: 'rate_limit_error' });
        expect(r.json.error.message).toMatch(/connection level: connection 'up' allows 5 requests per minute/);
      }

      await gw.restart();
      expect((await post(gw)).status).toBe(429);
      now += 60_000;
      expect((await post(gw)).status).toBe(200);
    });

    it.each(['key', 'resource'] as const)('5r/m at %s level: 50 concurrent → exactly 5 admitted', async (level) => {
      gw = await startGateway({ backend, clock });
      let key = gw.key;
      if (level === 'key') {
        key = await gw.createKey({ capacity: [{ period: 'minute', requests: 5 }] });
      } else {
        const resource = (await gw.repos.resources.find(gw.env.environmentId, 'chat'))!;
        await gw.repos.resources.update(
          resource,
          { ...resource, capacity: [{ period: 'minute', requests: 5 }], enforceCapacity: true },
          't',
        );
      }
      await settle();
      const results = await Promise.all(Array.from({ length: 50 }, () => post(gw!, key)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(5);
      const refused = results.filter((r) => r.status === 429);
      expect(refused).toHaveLength(45);
      expect(new Set(refused.map((r) => r.retryAfter))).toEqual(new Set(['50']));
      expect(refused[0]!.json.error.message).toContain(`${level} level`);
      expect(gw.fake.requests).toHaveLength(5);
    });

    it('key limits always apply; resource limits only with enforceCapacity', async () => {
      gw = await startGateway({ backend, clock });
      const key = await gw.createKey({ capacity: [{ period: 'hour', requests: 3 }] });
      const resource = (await gw.repos.resources.find(gw.env.environmentId, 'chat'))!;
      await gw.repos.resources.update(
        resource,
        { ...resource, capacity: [{ period: 'day', requests: 2 }], enforceCapacity: false },
        't',
      );
      await settle();
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await post(gw, key)).status);
      expect(statuses).toEqual([200, 200, 200, 429]); // the resource's 2/day is not enforced
      const other = await gw.createKey();
      await gw.repos.resources.update(
        (await gw.repos.resources.find(gw.env.environmentId, 'chat'))!,
        { ...resource, capacity: [{ period: 'day', requests: 2 }], enforceCapacity: true },
        't',
      );
      await settle();
      // Counting at the resource level starts when enforcement does.
      expect([(await post(gw, other)).status, (await post(gw, other)).status]).toEqual([200, 200]);
      const refused = await post(gw, other);
      expect(refused.status).toBe(429);
      expect(refused.json.error.message).toMatch(/resource level: resource 'chat' allows 2 requests per day/);
    });

    it('a token limit refuses before any upstream call when the estimate exceeds it', async () => {
      gw = await startGateway({ backend, clock });
      const resource = (await gw.repos.resources.find(gw.env.environmentId, 'chat'))!;
      await gw.repos.resources.update(
        resource,
        { ...resource, capacity: [{ period: 'minute', tokens: 10 }], enforceCapacity: true },
        't',
      );
      await settle();
      const response = await post(
        gw,
        gw.key,
        'This prompt is comfortably longer than ten tokens, so the estimate alone is over the limit.',
      );
      expect(response.status).toBe(429);
      expect(response.json.error.message).toMatch(/tokens per minute/);
      expect(gw.fake.requests).toHaveLength(0);
    });

    it('reconciles the token estimate with the usage the provider reported', async () => {
      gw = await startGateway({ backend, clock });
      const connection = (await gw.repos.connections.get(gw.env.connectionId))!;
      await gw.repos.connections.update(connection, { capacity: [{ period: 'minute', tokens: 1000 }] }, 't');
      await settle();
      expect((await post(gw)).status).toBe(200);
      const sent = gw.fake.requests[0]!.sentUsage!;
      await gw.restart(); // counters outlive the daemon: read them back where the store keeps them
      const used = await gw.counterUse(`connection:${gw.env.connectionId}:minute`, Math.floor(now / 60_000) * 60_000);
      expect(used).toEqual({ requests: 1, tokens: sent.total_tokens });
    });
  },
  ['sqlite', 'postgres', 'postgres+redis'],
);
