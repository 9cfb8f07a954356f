import { beforeAll, expect, it } from 'vitest';
import type { FakeAnthropic } from '../helpers/fake-anthropic.js';
import { gatewayWithAnthropic, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/**
 * The answering provider's headers that clients read — request ids, rate limits, retry advice — are
 * on the client's response, on success and on error, passthrough and converted (HTTP.md "Response");
 * the provider's account name and its connection-level headers are not.
 */

const openAIHeaders = {
  'x-request-id': 'req_openai_1',
  'x-ratelimit-limit-requests': '500',
  'x-ratelimit-remaining-requests': '499',
  'x-ratelimit-reset-tokens': '6ms',
  'openai-processing-ms': '12',
  'openai-organization': 'org-private-account',
};
const anthropicHeaders = {
  'anthropic-ratelimit-requests-limit': '50',
  'anthropic-ratelimit-requests-remaining': '49',
  'anthropic-ratelimit-tokens-reset': '2026-12-01T10:00:00Z',
};

describeEachGateway('provider headers reach the client', (backend) => {
  const setup = gatewayWithAnthropic(backend);
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  beforeAll(() => ({ gw, anthropic } = setup));

  const post = async (path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${gw.baseURL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify(body),
    });
    await response.text();
    return response;
  };
  const chat = (model: string, stream = false) => ({ model, stream, messages: [{ role: 'user', content: 'hi' }] });
  const messages = (model: string, stream = false) => ({
    model,
    stream,
    max_tokens: 16,
    messages: [{ role: 'user', content: 'hi' }],
  });

  const expectOpenAIHeaders = (headers: Headers) => {
    for (const [name, value] of Object.entries(openAIHeaders)) {
      if (name === 'openai-organization') expect(headers.get(name), name).toBeNull();
      else expect(headers.get(name), name).toBe(value);
    }
  };

  it.each([false, true])('OpenAI passthrough success (stream: %s)', async (stream) => {
    gw.fake.enqueue({ kind: 'reply', headers: openAIHeaders });
    const response = await post('/chat/completions', chat('chat', stream));
    expect(response.status).toBe(200);
    expectOpenAIHeaders(response.headers);
    expect(response.headers.get('x-vmx-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([false, true])('OpenAI converted success behind the messages route (stream: %s)', async (stream) => {
    gw.fake.enqueue({ kind: 'reply', headers: openAIHeaders });
    const response = await post('/anthropic/v1/messages', messages('chat', stream));
    expect(response.status).toBe(200);
    expectOpenAIHeaders(response.headers);
  });

  it.each([
    ['messages passthrough', '/anthropic/v1/messages', messages('sonnet')],
    ['messages passthrough stream', '/anthropic/v1/messages', messages('sonnet', true)],
    ['chat converted', '/chat/completions', chat('sonnet')],
    ['chat converted stream', '/chat/completions', chat('sonnet', true)],
  ] as const)('Anthropic success, %s: request-id and anthropic-ratelimit-*', async (_case, path, body) => {
    anthropic.enqueue({ kind: 'reply', headers: anthropicHeaders });
    const response = await post(path, body);
    expect(response.status).toBe(200);
    expect(response.headers.get('request-id')).toMatch(/^req_fake_\d+$/);
    for (const [name, value] of Object.entries(anthropicHeaders)) expect(response.headers.get(name), name).toBe(value);
  });

  it('an upstream 429 with Retry-After: 7 reaches the client with it, passthrough and converted', async () => {
    gw.fake.enqueue({
      kind: 'error',
      status: 429,
      headers: { 'retry-after': '7', 'x-ratelimit-remaining-requests': '0', 'x-request-id': 'req_limited' },
    });
    const passthrough = await post('/chat/completions', chat('chat'));
    expect(passthrough.status).toBe(429);
    expect(passthrough.headers.get('retry-after')).toBe('7');
    expect(passthrough.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(passthrough.headers.get('x-request-id')).toBe('req_limited');
    expect(passthrough.headers.get('x-vmx-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    anthropic.enqueue({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      headers: { 'retry-after': '7', 'anthropic-ratelimit-requests-remaining': '0' },
    });
    const converted = await post('/responses', { model: 'sonnet', input: 'hi' });
    expect(converted.status).toBe(429);
    expect(converted.headers.get('retry-after')).toBe('7');
    expect(converted.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(converted.headers.get('request-id')).toMatch(/^req_fake_\d+$/);
  });
});
