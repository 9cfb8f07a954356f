import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';
import { parsePrometheus, sumSamples } from '../helpers/prometheus.js';

describeEachGateway('GET /metrics', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ backend });
  });
  afterAll(() => gw.close());

  it('exposes request, error, token and latency series that match the usage rows', async () => {
    const started = Date.now();
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    for (let i = 0; i < 3; i++)
      await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: `question ${i}` }] });
    await client.chat.completions
      .stream({ model: 'chat', messages: [{ role: 'user', content: 'streamed' }] })
      .finalChatCompletion();
    gw.fake.enqueue({ kind: 'error', status: 503 });
    await expect(
      client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 503 });

    const response = await fetch(`${gw.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const samples = parsePrometheus(text);
    const sum = (name: string, match: Record<string, string> = {}) => sumSamples(samples, name, match);

    expect(sum('vmx_requests_total', { route: 'chat', resource: 'chat', status: '200' })).toBe(4);
    expect(sum('vmx_errors_total', { status: '503' })).toBe(1);
    await eventually(async () => (await gw.repos.usage.counts()).raw === 5);
    // The rows summed by the store: a window shorter than an hour is read from the raw rows alone.
    const report = await gw.repos.usage.report({
      environmentId: gw.env.environmentId,
      since: started - 1000,
      until: Date.now() + 1000,
      by: [],
    });
    expect(report.rows).toHaveLength(1);
    const usage = report.rows[0]!.figures;
    expect(usage.attempts).toBe(5);
    expect(sum('vmx_tokens_total', { kind: 'input' })).toBe(usage.inputTokens);
    expect(sum('vmx_tokens_total', { kind: 'output' })).toBe(usage.outputTokens);
    expect(sum('vmx_request_duration_seconds_count', { status: '200' })).toBe(4);
    expect(sum('vmx_time_to_first_token_seconds_count')).toBe(1);
    expect(sum('vmx_provider_attempts_total', { status: '503' })).toBe(1);
    expect(text).toContain('# TYPE vmx_request_duration_seconds histogram');
  });

  it('labels a model name that is no resource as resource="", so made-up names add no series', async () => {
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    for (const name of ['made-up-1', 'made-up-2'])
      await expect(
        client.chat.completions.create({ model: name, messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toMatchObject({ status: 404 });
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).not.toContain('made-up');
    expect(sumSamples(parsePrometheus(text), 'vmx_requests_total', { resource: '', status: '404' })).toBe(2);
  });
});
