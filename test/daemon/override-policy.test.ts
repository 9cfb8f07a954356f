import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, maskApiKey } from '../../src/gateway/key-material.js';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { parseRule, resolveRouting } from '../../src/gateway/routing/index.js';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/**
 * Bad input is the caller's, never the provider's (HTTP.md "Errors"): malformed `vmx` fields and
 * absurdly nested bodies are 400s naming the problem, with no attempt against a provider. Overrides are
 * policy-safe (HTTP.md "Request"): without `--allow-overrides` a key cannot lift a resource's limits
 * or drop its block rules.
 */

describeEachGateway('bad input and policy-safe overrides', (backend) => {
  let gw: TestGateway;
  let trusted: string;
  beforeAll(async () => {
    gw = await startGateway({ backend });
    const env = gw.env.environmentId;
    const routing = resolveRouting(
      { enabled: true, conditions: [parseRule('request.allMessagesContent matches /ssn/i -> block')] },
      () => undefined,
    );
    await gw.repos.resources.create(
      env,
      {
        ...singleModelResource('guarded', { connectionId: gw.env.connectionId, model: 'fake-model' }),
        capacity: [{ period: 'minute', requests: 50 }],
        enforceCapacity: true,
        routing,
      },
      'alice',
    );
    trusted = generateApiKey();
    await gw.repos.apiKeys.create({
      environmentId: env,
      name: 'trusted',
      keyHash: hashApiKey(trusted),
      maskedKey: maskApiKey(trusted),
      resources: null,
      capacity: [],
      expiresAt: null,
      allowOverrides: true,
      user: 'alice',
    });
  });
  afterAll(() => gw.close());

  const post = async (body: string | Record<string, unknown>, key = gw.key) => {
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return {
      status: response.status,
      requestId: response.headers.get('x-vmx-request-id')!,
      body: (await response.json()) as any,
    };
  };
  const ask = (overrides: Record<string, unknown>, content = 'hello', key = gw.key) =>
    post({ model: 'guarded', messages: [{ role: 'user', content }], vmx: { resourceConfigOverrides: overrides } }, key);
  const noProviderAttempt = async (requestId: string) => {
    await eventually(() => gw.repos.audit.get(requestId));
    expect((await gw.repos.usage.forRequest(requestId)).every((row) => row.model === null)).toBe(true);
  };

  it.each([
    ['"x"', 'x', 'vmx.resourceConfigOverrides.capacity: '],
    [
      'a period that does not exist',
      [{ period: 'fortnight', requests: 1 }],
      'vmx.resourceConfigOverrides.capacity[0].period: ',
    ],
    ['a limit without a number', [{ period: 'minute' }], 'vmx.resourceConfigOverrides.capacity[0]: '],
  ])('malformed capacity override (%s): 400 naming the field, no provider attempt', async (_case, capacity, named) => {
    const answer = await ask({ capacity }, 'hello', trusted);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
    expect(answer.body.error.message.startsWith(named)).toBe(true);
    await noProviderAttempt(answer.requestId);
  });

  it('a 5,000-deep body: 400 naming the nesting, no provider attempt, the daemon answers on', async () => {
    const deep = `${'['.repeat(5000)}"x"${']'.repeat(5000)}`;
    const answer = await post(`{"model":"chat","messages":[{"role":"user","content":"hi"}],"metadata":${deep}}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toBe('the request body nests deeper than 128 levels of objects and arrays');
    await noProviderAttempt(answer.requestId);
    expect((await post({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
  });

  it('without --allow-overrides: lifting a limit, not enforcing it, or dropping a block rule is 403 naming the field', async () => {
    const before = gw.fake.requests.length;
    for (const [overrides, named] of [
      [{ capacity: [] }, 'vmx.resourceConfigOverrides.capacity'],
      [{ capacity: [{ period: 'minute', requests: 5000 }] }, 'vmx.resourceConfigOverrides.capacity'],
      [{ capacity: [{ period: 'hour', requests: 10 }] }, 'vmx.resourceConfigOverrides.capacity'],
      [{ enforceCapacity: false }, 'vmx.resourceConfigOverrides.enforceCapacity'],
      [{ routing: null }, 'vmx.resourceConfigOverrides.routing'],
      [{ routing: { enabled: false, conditions: [] } }, 'vmx.resourceConfigOverrides.routing'],
    ] as const) {
      const answer = await ask(overrides, 'my SSN is 000');
      expect(answer.status, JSON.stringify(overrides)).toBe(403);
      expect(answer.body.error.message.startsWith(`${named}: this API key may not`)).toBe(true);
      await noProviderAttempt(answer.requestId);
    }
    expect(gw.fake.requests).toHaveLength(before);
  });

  it('without --allow-overrides: tightening a limit and other overrides still work; the block rule still blocks', async () => {
    expect((await ask({ capacity: [{ period: 'minute', requests: 10 }] })).status).toBe(200);
    expect((await ask({ useFallback: false, model: 'up/other-model' })).status).toBe(200);
    expect(gw.fake.requests.at(-1)!.json.model).toBe('other-model');
    expect((await ask({ model: 'up/other-model' }, 'my SSN is 000')).status).toBe(400);
  });

  it('with --allow-overrides the key may lift limits and drop block rules, as in the original', async () => {
    expect((await ask({ capacity: [] }, 'hello', trusted)).status).toBe(200);
    const unblocked = await ask({ routing: null }, 'my SSN is 000', trusted);
    expect(unblocked.status).toBe(200);
  });
});
