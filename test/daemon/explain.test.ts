import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseRule, resolveRouting } from '../../src/gateway/routing/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

describeEachGateway('vmx resource explain makes the decision the daemon makes', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ backend });
    const env = gw.env.environmentId;
    const resource = (await gw.repos.resources.find(env, 'chat'))!;
    const connections = await gw.repos.connections.list(env);
    const rules = [
      'request.toolsCount > 0 -> up/tool-model',
      'tokens.input < 20 -> up/small-model',
      'request.lastMessage.content contains "secret" -> block',
    ];
    const routing = resolveRouting(
      { enabled: true, conditions: rules.map((r) => parseRule(r)) },
      (ref) => connections.find((c) => c.id === ref) ?? connections.find((c) => c.name === ref),
    );
    await gw.repos.resources.update(
      resource,
      {
        ...resource,
        routing,
        fallbackModels: [{ connectionId: gw.env.connectionId, model: 'backup' }],
        capacity: [{ period: 'minute', requests: 100 }],
        enforceCapacity: true,
      },
      't',
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
  });
  afterAll(() => gw.close());

  const long =
    'Please write a detailed, well structured answer about the history of the printing press in Europe and its effects on literacy.';
  it.each([
    [
      'tools present',
      {
        messages: [{ role: 'user', content: long }],
        tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      },
      'up/tool-model',
    ],
    ['short prompt', { messages: [{ role: 'user', content: 'hi' }] }, 'up/small-model'],
    ['long prompt, no rule', { messages: [{ role: 'user', content: long }] }, 'up/fake-model'],
    ['blocked', { messages: [{ role: 'user', content: `${long} my secret` }] }, 'block'],
  ])('%s', async (_case, request, expected) => {
    const file = join(gw.home, 'request.json');
    writeFileSync(file, JSON.stringify({ model: 'chat', ...request }));
    const args = ['resource', 'explain', 'chat', '--request', file, '-w', 'acme', '-e', 'dev', '--json'];
    const explained = await gw.cli(args);
    expect(explained.stderr).toBe('');
    const view = explained.json();
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ model: 'chat', ...request }),
    });
    if (expected === 'block') {
      expect(view.decision).toMatchObject({ action: 'block' });
      expect(gw.fake.requests.every((r) => !JSON.stringify(r.json).includes('my secret'))).toBe(true); // no upstream call
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.code).toBe('blocked_by_routing_rule');
      return;
    }
    expect(view.decision.model).toBe(expected);
    expect(`up/${response.headers.get('x-vmx-model')}`).toBe(expected);
    expect(view.chain).toEqual([expected, 'up/backup']);
    expect(view.limits).toEqual([
      expect.objectContaining({ level: 'resource', name: 'chat', period: 'minute', requests: 100 }),
    ]);
  });
});
