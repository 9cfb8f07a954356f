import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';

describe('discovered capacity', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
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
      () => gw.store.connections.get(gw.env.connectionId)!.discoveredCapacity['fake-model'],
    );
    expect(discovered.capacity).toEqual([{ period: 'minute', requests: 500, tokens: 30000 }]);
    const shown = await runCliInProcess(['connection', 'show', 'up', '-w', 'acme', '-e', 'dev', '--json'], {
      home: gw.home,
    });
    expect(shown.json().discoveredCapacity['fake-model'].capacity).toEqual([
      { period: 'minute', requests: 500, tokens: 30000 },
    ]);
  });
});
