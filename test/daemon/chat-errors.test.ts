import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';
import { expectWithinBudget } from '../helpers/time-budget.js';

/** Raw HTTP against the daemon, so malformed input can be sent as is. */
async function post(
  gw: TestGateway,
  body: string,
  headers: Record<string, string> = {},
  path = '/v1/completion/acme/dev/chat/completions',
) {
  const response = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as any };
}

const ok = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });

describeEachGateway('chat completions error table (HTTP.md)', (backend) => {
  let gw: TestGateway;
  let otherEnvKey: string;
  let disabledKey: string;
  let expiredKey: string;
  let limitedKey: string;
  beforeAll(async () => {
    gw = await startGateway({ backend, bodyLimit: 64 * 1024 });
    const prod = await gw.repos.environments.create({
      workspaceId: gw.env.workspaceId,
      workspaceName: 'acme',
      name: 'prod',
      user: 'alice',
    });
    otherEnvKey = await gw.createKey({ environmentId: prod.id });
    disabledKey = await gw.createKey({ enabled: false });
    expiredKey = await gw.createKey({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    limitedKey = await gw.createKey({ resources: [] });
    await new Promise((resolve) => setTimeout(resolve, 400));
  });
  afterAll(() => gw.close());

  it.each([
    ['malformed JSON', () => post(gw, '{"model":'), 400, 'invalid_request', /not valid JSON/],
    [
      'missing model',
      () => post(gw, JSON.stringify({ messages: [{ role: 'user', content: 'x' }] })),
      400,
      'invalid_request',
      /model: is required/,
    ],
    [
      'missing messages',
      () => post(gw, JSON.stringify({ model: 'chat' })),
      400,
      'invalid_request',
      /messages: is required/,
    ],
    [
      'wrong types',
      () => post(gw, JSON.stringify({ model: 'chat', messages: 'hi', stream: 'yes' })),
      400,
      'invalid_request',
      /messages/,
    ],
    ['body not an object', () => post(gw, '[1,2]'), 400, 'invalid_request', /JSON object/],
    [
      'oversize body',
      () => post(gw, JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] })),
      413,
      'invalid_request',
      /larger than the limit/,
    ],
    ['no key', () => post(gw, ok, { authorization: '' }), 401, 'invalid_api_key', /missing API key/],
    [
      'unknown key',
      () => post(gw, ok, { authorization: 'Bearer vmx_nope' }),
      401,
      'invalid_api_key',
      /invalid API key/,
    ],
    [
      'disabled key',
      () => post(gw, ok, { authorization: `Bearer ${disabledKey}` }),
      401,
      'invalid_api_key',
      /invalid API key/,
    ],
    [
      'expired key',
      () => post(gw, ok, { authorization: `Bearer ${expiredKey}` }),
      401,
      'invalid_api_key',
      /invalid API key/,
    ],
    [
      'key of another environment',
      () => post(gw, ok, { authorization: `Bearer ${otherEnvKey}` }),
      401,
      'invalid_api_key',
      /invalid API key/,
    ],
    [
      'x-api-key works like Bearer (wrong key → 401)',
      () => post(gw, ok, { authorization: '', 'x-api-key': 'vmx_wrong' }),
      401,
      'invalid_api_key',
      /invalid API key/,
    ],
    [
      'resource not on the allow-list',
      () => post(gw, ok, { authorization: `Bearer ${limitedKey}` }),
      403,
      'resource_not_allowed',
      /may not use resource 'chat'/,
    ],
    [
      'unknown resource',
      () => post(gw, JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })),
      404,
      'not_found',
      /resource 'nope' not found/,
    ],
    [
      'unknown environment',
      () => post(gw, ok, {}, '/v1/completion/acme/nope/chat/completions'),
      404,
      'not_found',
      /not found/,
    ],
    [
      'secondary index out of range',
      () =>
        post(
          gw,
          JSON.stringify({
            model: 'chat',
            messages: [{ role: 'user', content: 'x' }],
            vmx: { secondaryModelIndex: 3 },
          }),
        ),
      400,
      'invalid_request',
      /out of range/,
    ],
  ])('%s', async (_case, send, status, code, message) => {
    const before = gw.fake.requests.length;
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.json).toEqual({
      error: { message: expect.stringMatching(message), type: expect.any(String), code, param: null },
    });
    const requestId = response.headers.get('x-vmx-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(gw.fake.requests.length).toBe(before); // nothing reached the provider
    await eventually(() => gw.repos.audit.get(requestId));
    expect((await gw.repos.audit.get(requestId))!.status).toBe(status);
  });

  it('the x-api-key header authenticates', async () => {
    expect((await post(gw, ok, { authorization: '', 'x-api-key': gw.key })).status).toBe(200);
  });

  it('upstream 500: the provider’s status and error body as sent, the envelope beside it, one usage row with the status', async () => {
    const providerError = { message: 'boom', type: 'server_error', param: null, code: 'server_error' };
    gw.fake.enqueue({ kind: 'error', status: 500, body: { error: providerError } });
    const response = await post(gw, ok);
    expect(response.status).toBe(500);
    expect(response.json.error).toEqual(providerError);
    const requestId = response.headers.get('x-vmx-request-id')!;
    expect(response.json.vmx).toMatchObject({ requestId, events: [] });
    await eventually(async () => (await gw.repos.usage.forRequest(requestId)).length === 1);
    expect((await gw.repos.usage.forRequest(requestId))[0]).toMatchObject({
      status: 500,
      error: expect.stringContaining('boom'),
    });
  });

  it('upstream 400 comes back as the provider status', async () => {
    gw.fake.enqueue({ kind: 'error', status: 400, body: { error: { message: 'bad temperature' } } });
    const response = await post(gw, ok);
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain('bad temperature');
  });

  it('upstream timeout (no first byte in time) → 504 upstream_timeout', async () => {
    gw.fake.enqueue({ kind: 'hang' });
    const started = Date.now();
    const response = await post(gw, ok);
    expect(response.status).toBe(504);
    expect(response.json.error.code).toBe('upstream_timeout');
    // The connection's 1.5 s first-byte timeout ended it, not the 2-minute default (which would also
    // overrun this test's 30 s timeout).
    expectWithinBudget(Date.now() - started, 5000, 'the 504');
  });

  it('upstream connection dropped → 502', async () => {
    gw.fake.enqueue({ kind: 'close' });
    const response = await post(gw, ok);
    expect(response.status).toBe(502);
    expect(response.json.error.code).toBe('upstream_error');
  });

  it('stays up: a normal request still works after all of that', async () => {
    const response = await post(gw, ok);
    expect(response.status).toBe(200);
    expect(response.json.choices[0].message.content).toContain('Hello');
  });
});
