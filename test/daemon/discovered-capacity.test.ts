import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

describeEachGateway(
  'discovered capacity',
  (backend) => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway({ backend });
    });
    afterAll(() => gw.close());

    it('records the limits a provider announces in its rate-limit headers, shown by connection show', async () => {
      gw.fake.enqueue({
        kind: 'reply',
        headers: { 'x-ratelimit-limit-requests': '500', 'x-ratelimit-limit-tokens': '30000' },
      });
      const response = await fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.key}` },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(200);
      const discovered = await eventually(
        async () => (await gw.repos.connections.get(gw.env.connectionId))!.discoveredCapacity['fake-model'],
      );
      expect(discovered.capacity).toEqual([{ period: 'minute', requests: 500, tokens: 30000 }]);
      const shown = await gw.cli(['connection', 'show', 'up', '-w', 'acme', '-e', 'dev', '--json']);
      expect(shown.json().discoveredCapacity['fake-model'].capacity).toEqual([
        { period: 'minute', requests: 500, tokens: 30000 },
      ]);
    });
  },
  ['sqlite', 'postgres', 'postgres+redis'],
);
