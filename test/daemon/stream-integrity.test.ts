import { beforeAll, expect, it } from 'vitest';
import type { UsageRecord } from '../../src/store/repos/usage.js';
import type { FakeAnthropic } from '../helpers/fake-anthropic.js';
import { eventually, gatewayWithAnthropic, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/**
 * A stream is whole only with its dialect's terminal event (HTTP.md "Response"): one that ends
 * without it is a failure — the client gets an error event, usage and audit record the error with
 * the tokens reported so far. A client that goes away mid-stream leaves a 499 attempt with the
 * tokens the provider had reported by then.
 */

describeEachGateway('stream integrity', (backend) => {
  const setup = gatewayWithAnthropic(backend);
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  beforeAll(() => ({ gw, anthropic } = setup));

  async function stream(
    path: string,
    body: Record<string, unknown>,
  ): Promise<{ text: string; row: UsageRecord; auditError: string | null }> {
    const response = await fetch(`${gw.baseURL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ ...body, stream: true }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-vmx-request-id')!;
    const row = await eventually(async () => (await gw.repos.usage.forRequest(requestId))[0]);
    const audit = await eventually(() => gw.repos.audit.get(requestId));
    return { text, row, auditError: audit.error };
  }
  const messages = [{ role: 'user', content: 'hi' }];

  it('chat: a stream without [DONE] ends with an error event; usage keeps the tokens of the usage chunk', async () => {
    gw.fake.enqueue({ kind: 'reply', usage: { prompt_tokens: 11, completion_tokens: 4 }, dropLast: 1 });
    const { text, row, auditError } = await stream('/chat/completions', { model: 'chat', messages });
    expect(text).not.toContain('[DONE]');
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^data: \{"error":\{"message":".*ended before its last event/);
    expect(row).toMatchObject({
      status: 502,
      error: expect.stringContaining('ended before its last event'),
      inputTokens: 11,
      outputTokens: 4,
    });
    expect(auditError).toContain('ended before its last event');
  });

  it('responses: a stream without response.completed ends with an error event and an error row', async () => {
    gw.fake.enqueue({ kind: 'reply', dropLast: 1 });
    const { text, row } = await stream('/responses', { model: 'chat', input: 'hi' });
    expect(text).not.toContain('response.completed');
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^event: error\ndata: /);
    expect(row).toMatchObject({
      status: 502,
      error: expect.stringContaining('ended before its last event'),
      inputTokens: null,
    });
  });

  it('messages: a stream without message_stop ends with an error event; usage keeps input and output tokens', async () => {
    anthropic.enqueue({ kind: 'reply', usage: { input_tokens: 21, output_tokens: 6 }, dropLast: 1 });
    const { text, row } = await stream('/anthropic/v1/messages', { model: 'sonnet', max_tokens: 32, messages });
    expect(text).not.toContain('message_stop');
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(
      /^event: error\ndata: \{"type":"error","error":\{"type":"api_error"/,
    );
    expect(row).toMatchObject({ status: 502, inputTokens: 21, outputTokens: 6 });
  });

  it('converted: an Anthropic stream cut before message_stop behind the chat route is an error too', async () => {
    // message_delta carries the stop reason and usage; without message_stop after it the answer is still incomplete
    anthropic.enqueue({ kind: 'reply', usage: { input_tokens: 21, output_tokens: 6 }, dropLast: 2 });
    const { text, row } = await stream('/chat/completions', { model: 'sonnet', messages });
    expect(text).toContain('"error"');
    expect(row.status).toBe(502);
    expect(row.inputTokens).toBe(21);
  });

  it('garbage instead of SSE is a failed attempt, not a 200', async () => {
    gw.fake.enqueue({
      kind: 'error',
      status: 200,
      body: 'this is not an event stream',
      headers: { 'content-type': 'text/event-stream' },
    });
    const { text, row } = await stream('/chat/completions', { model: 'chat', messages });
    expect(text).toContain('"error"');
    expect(row.status).toBe(502);
  });

  it('a client that goes away mid-stream leaves a 499 attempt with the tokens reported so far', async () => {
    anthropic.enqueue({
      kind: 'reply',
      text: 'one two three four five six seven eight',
      usage: { input_tokens: 33, output_tokens: 9 },
      chunkDelayMs: 100,
    });
    const controller = new AbortController();
    const response = await fetch(`${gw.baseURL}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ model: 'sonnet', max_tokens: 32, messages, stream: true }),
      signal: controller.signal,
    });
    const requestId = response.headers.get('x-vmx-request-id')!;
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('content_block_delta')) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const row = await eventually(async () => (await gw.repos.usage.forRequest(requestId))[0]);
    expect(row).toMatchObject({ status: 499, model: 'claude-sonnet-4-5', inputTokens: 33 });
  });
});
