import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseRule, resolveRouting } from '../../src/gateway/routing/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

let now = Date.UTC(2026, 10, 25, 6, 0, 0);

describeEachGateway(
  'routing on error rate',
  (backend) => {
    let gw: TestGateway;
    let client: OpenAI;
    beforeAll(async () => {
      now = Date.UTC(2026, 10, 25, 6, 0, 0);
      gw = await startGateway({ backend, clock: () => now });
      const env = gw.env.environmentId;
      const resource = (await gw.repos.resources.find(env, 'chat'))!;
      const connections = await gw.repos.connections.list(env);
      const routing = resolveRouting(
        { enabled: true, conditions: [parseRule('errorRate(5) > 10 -> up/steady-model')] },
        (ref) => connections.find((c) => c.id === ref) ?? connections.find((c) => c.name === ref),
      );
      await gw.repos.resources.update(resource, { ...resource, routing, useFallback: false }, 't');
      await new Promise((resolve) => setTimeout(resolve, 400));
      client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    });
    afterAll(() => gw.close());

    const ask = () =>
      client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }).withResponse();

    it('routes away after a burst of failures, and back once the rate falls', async () => {
      expect((await ask()).data.model).toBe('fake-model');
      for (let i = 0; i < 3; i++) {
        gw.fake.enqueue({ kind: 'error', status: 500 });
        await expect(ask()).rejects.toMatchObject({ status: 500 });
      }
      // 3 of 4 attempts on the primary failed in the last 5 minutes: 75% > 10%.
      const { data, response } = await ask();
      expect(data.model).toBe('steady-model');
      expect(response.headers.get('x-vmx-event-0-type')).toBe('routing');
      expect(response.headers.get('x-vmx-event-0-to')).toBe('up/steady-model');
      expect((data as any).vmx.events[0]).toMatchObject({
        type: 'routing',
        rule: 'errorRate(5) > 10 -> up/steady-model',
      });

      now += 6 * 60_000; // the failures leave the 5-minute window
      expect((await ask()).data.model).toBe('fake-model');
    });
  },
  ['sqlite', 'postgres', 'postgres+redis'],
);
