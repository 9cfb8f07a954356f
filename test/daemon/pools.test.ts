import { afterEach, expect, it } from 'vitest';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/** 5 s into a minute: the window has 55 s left. */
const START = Date.UTC(2026, 11, 1, 9, 0, 5);
let now = START;
const clock = () => now;
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));
/** About 90 tokens of estimate (a little more of the fake's usage). */
const PROMPT = 'Summarise the quarterly numbers for the board in three short bullet points please. '.repeat(5);

async function post(gw: TestGateway, model: string) {
  const response = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }] }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    json: (await response.json()) as any,
  };
}

/**
 * Two pools share connection `up`'s 1,000 tokens a minute (issue "Prioritization pools", acceptance 1):
 * `high` (resource chat: min 20 %, max 100 %) and `low` (resource nightly: min 10 %, max 50 %).
 */
async function twoPools(gw: TestGateway, nightlyFallback?: string, lowMax = 50, requests?: number) {
  const env = gw.env.environmentId;
  const connection = (await gw.repos.connections.get(gw.env.connectionId))!;
  await gw.repos.connections.update(connection, { capacity: [{ period: 'minute', tokens: 1000, requests }] }, 'alice');
  const fallback = nightlyFallback ? [{ connectionId: nightlyFallback, model: 'spare-model' }] : [];
  const nightly = await gw.repos.resources.create(
    env,
    {
      ...singleModelResource('nightly', { connectionId: connection.id, model: 'fake-model' }),
      fallbackModels: fallback,
    },
    'alice',
  );
  const pool = { environmentId: env, user: 'alice' };
  await gw.repos.pools.set({ ...pool, name: 'high', rank: 1, min: 20, max: 100, resourceIds: [gw.env.resourceId] });
  await gw.repos.pools.set({ ...pool, name: 'low', rank: 2, min: 10, max: lowMax, resourceIds: [nightly.id] });
  await settle();
}

describeEachGateway(
  'prioritization pools',
  (backend) => {
    let gw: TestGateway | undefined;
    afterEach(async () => {
      await gw?.close();
      gw = undefined;
      now = START;
    });

    it('under load from both, low is denied past its share while high keeps being served; pool status shows the scaling', async () => {
      gw = await startGateway({ backend, clock });
      await twoPools(gw);
      const results: Record<'chat' | 'nightly', Awaited<ReturnType<typeof post>>[]> = { chat: [], nightly: [] };
      for (let round = 0; round < 6; round++) {
        for (const model of ['nightly', 'chat'] as const) {
          results[model].push(await post(gw, model));
          now += 100;
        }
      }
      expect(results.chat.map((r) => r.status)).toEqual(Array(6).fill(200));
      const firstDenied = results.nightly.findIndex((r) => r.status === 429);
      expect(firstDenied).toBeGreaterThan(0);
      for (const denied of results.nightly.slice(firstDenied)) {
        expect(denied.status).toBe(429);
        expect(Number(denied.retryAfter)).toBeGreaterThanOrEqual(50);
        expect(denied.json.error).toMatchObject({ code: 'prioritization_denied', type: 'rate_limit_error' });
        expect(denied.json.error.message).toMatch(
          /prioritization denied: pool 'low' has used \d+ of its \d+ tokens this minute on connection 'up' \(current share \d+% of 1000 tokens\/minute; min 10%, max 50%\)/,
        );
      }
      // Nothing was sent for a denied request.
      expect(gw.fake.requests).toHaveLength(6 + firstDenied);

      const status = await gw.cli('pool status -w acme -e dev --json');
      expect(status.code).toBe(0);
      const pools = Object.fromEntries(status.json()[0].pools.map((p: any) => [p.name, p]));
      // high grew; low had grown while there was room, then gave high what it needed.
      expect(pools.high).toMatchObject({ min: 20, max: 100, last: expect.objectContaining({ action: 'up' }) });
      expect(pools.high.current).toBeGreaterThan(50);
      expect(pools.low).toMatchObject({ min: 10, max: 50, last: expect.objectContaining({ action: 'yield' }) });
      expect(pools.low.current).toBeLessThan(50);
      const share = /current share (\d+)%/.exec(results.nightly.at(-1)!.json.error.message)![1];
      expect(Number(share)).toBe(pools.low.current);

      // A new minute: low is served again.
      now += 60_000;
      expect((await post(gw, 'nightly')).status).toBe(200);
    });

    it('a denial falls back like a capacity refusal: the next model serves it, with a fallback event', async () => {
      gw = await startGateway({ backend, clock });
      const spare = await gw.repos.connections.create({
        environmentId: gw.env.environmentId,
        name: 'spare',
        provider: 'openai',
        config: { baseUrl: gw.fake.url },
        capacity: [],
        user: 'alice',
      });
      await gw.writeSecret(spare.id, { apiKey: 'sk-spare' });
      // low may never grow past 10 % (100 tokens): its second request does not fit. The connection
      // also allows 3 requests a minute.
      await twoPools(gw, spare.id, 10, 3);
      let fellBack: Awaited<ReturnType<typeof post>> | undefined;
      for (let i = 0; i < 4 && !fellBack; i++) {
        const answer = await post(gw, 'nightly');
        expect(answer.status).toBe(200);
        if (answer.json.model === 'spare-model') fellBack = answer;
      }
      expect(fellBack!.json.vmx.events[0]).toMatchObject({ type: 'fallback', status: 429 });
      expect(fellBack!.json.vmx.events[0].reason).toMatch(/prioritization denied: pool 'low'/);
      // The denied attempt was never sent: capacity took back its request, so up still has 2 of its 3.
      expect([(await post(gw, 'chat')).status, (await post(gw, 'chat')).status]).toEqual([200, 200]);
      expect((await post(gw, 'chat')).status).toBe(429);
    });
  },
  ['sqlite', 'postgres', 'postgres+redis'],
);
