import { afterAll, beforeAll, expect, it } from 'vitest';
import { openaiResponsesCodec } from '../../src/providers/dialects/openai-responses/codec.js';
import { usageRow } from '../../src/daemon/pipeline/record/usage-row.js';
import { singleModelResource } from '../../src/store/repos/resources.js';
import type { UsageRecord } from '../../src/store/repos/usage.js';
import type { FakeAnthropic } from '../helpers/fake-anthropic.js';
import { addFakeAnthropic, eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/**
 * One usage reader per dialect (providers/dialects/<id>/usage.ts): the same upstream usage gives the
 * same usage row — tokens, cache reads and writes, cost — whether the answer was passed through or
 * converted, streamed or not.
 */

const columns = (row: UsageRecord) => ({
  inputTokens: row.inputTokens,
  outputTokens: row.outputTokens,
  totalTokens: row.totalTokens,
  cachedTokens: row.cachedTokens,
  cacheWriteTokens: row.cacheWriteTokens,
  costNano: row.costNano,
});

describeEachGateway('the same upstream usage makes the same usage row on every path', (backend) => {
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  beforeAll(async () => {
    gw = await startGateway({ backend });
    ({ fake: anthropic } = await addFakeAnthropic(gw));
    // A model the price catalog knows, so that cost follows the tokens (`sonnet` is claude-sonnet-4-5).
    await gw.repos.resources.create(
      gw.env.environmentId,
      singleModelResource('gpt', { connectionId: gw.env.connectionId, model: 'gpt-4o' }),
      't',
    );
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
  });

  async function rowOf(path: string, body: Record<string, unknown>): Promise<UsageRecord> {
    const response = await fetch(`${gw.baseURL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const requestId = response.headers.get('x-vmx-request-id')!;
    return eventually(async () => (await gw.repos.usage.forRequest(requestId))[0]);
  }
  const chat = (model: string, stream: boolean) => ({ model, stream, messages: [{ role: 'user', content: 'hi' }] });
  const messages = (model: string, stream: boolean) => ({
    model,
    stream,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hi' }],
  });
  const responses = (model: string, stream: boolean) => ({ model, stream, input: 'hi' });

  it('OpenAI Chat usage (cache reads and writes): chat route passthrough = messages route converted', async () => {
    const usage = { prompt_tokens: 100, completion_tokens: 7, cached_tokens: 20, cache_write_tokens: 30 };
    const rows: UsageRecord[] = [];
    for (const [path, body] of [
      ['/chat/completions', chat('gpt', false)],
      ['/chat/completions', chat('gpt', true)],
      ['/anthropic/v1/messages', messages('gpt', false)],
      ['/anthropic/v1/messages', messages('gpt', true)],
    ] as const) {
      gw.fake.enqueue({ kind: 'reply', usage });
      rows.push(await rowOf(path, body));
    }
    const expected = { inputTokens: 100, outputTokens: 7, totalTokens: 107, cachedTokens: 20, cacheWriteTokens: 30 };
    for (const row of rows) expect(columns(row)).toEqual({ ...expected, costNano: columns(rows[0]!).costNano });
    expect(rows[0]!.costNano).toBeGreaterThan(0);
  });

  it('Anthropic usage (cache reads and writes): messages route passthrough = chat and responses routes converted', async () => {
    const usage = { input_tokens: 50, output_tokens: 7, cache_read_input_tokens: 20, cache_creation_input_tokens: 30 };
    const rows: UsageRecord[] = [];
    for (const [path, body] of [
      ['/anthropic/v1/messages', messages('sonnet', false)],
      ['/anthropic/v1/messages', messages('sonnet', true)],
      ['/chat/completions', chat('sonnet', false)],
      ['/chat/completions', chat('sonnet', true)],
      ['/responses', responses('sonnet', false)],
      ['/responses', responses('sonnet', true)],
    ] as const) {
      anthropic.enqueue({ kind: 'reply', usage });
      rows.push(await rowOf(path, body));
    }
    // Anthropic's input_tokens leaves the cache out; vmx counts all input, as OpenAI does.
    const expected = { inputTokens: 100, outputTokens: 7, totalTokens: 107, cachedTokens: 20, cacheWriteTokens: 30 };
    for (const row of rows) expect(columns(row)).toEqual({ ...expected, costNano: columns(rows[0]!).costNano });
    expect(rows[0]!.costNano).toBeGreaterThan(0);
  });

  it('OpenAI Responses usage: passthrough JSON = passthrough stream = what the codec reads from the same answer', async () => {
    const usage = { prompt_tokens: 100, completion_tokens: 7, cached_tokens: 20, cache_write_tokens: 30 };
    gw.fake.enqueue({ kind: 'reply', usage });
    const json = await rowOf('/responses', responses('gpt', false));
    gw.fake.enqueue({ kind: 'reply', usage });
    const stream = await rowOf('/responses', responses('gpt', true));
    const expected = { inputTokens: 100, outputTokens: 7, totalTokens: 107, cachedTokens: 20, cacheWriteTokens: 30 };
    expect(columns(json)).toEqual({ ...expected, costNano: json.costNano });
    expect(columns(stream)).toEqual(columns(json));
    // A Responses upstream is only ever reached in its own dialect; the codec reads the same answer alike.
    gw.fake.enqueue({ kind: 'reply', usage });
    const answer = await fetch(`${gw.fake.url}/responses`, {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }),
    });
    expect(usageRow(openaiResponsesCodec.decodeResponse(await answer.json()).usage)).toEqual(expected);
  });
});
