import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, expect, it } from 'vitest';
import { hashApiKey } from '../../src/gateway/key-material.js';
import { eventually, startGateway, UPSTREAM_SECRET, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';
import { expectWithinBudget } from '../helpers/time-budget.js';

const body = { model: 'chat', messages: [{ role: 'user' as const, content: 'hi' }] };

/** Every audit row of acme/dev (every request of these tests is made there) and every usage row of those requests. */
async function allRecords(gw: TestGateway) {
  const audit = await gw.repos.audit.list({ environmentId: gw.env.environmentId, limit: 100_000 });
  const usage = (await Promise.all(audit.map((a) => gw.repos.usage.forRequest(a.requestId)))).flat();
  return { audit, usage };
}

describeEachGateway('live config, client aborts, shutdown and secrecy', (backend) => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close().catch(() => undefined);
    gw = undefined;
  });

  it('a revoked or disabled key gets 401 within a second, with no restart', async () => {
    gw = await startGateway({ backend });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    await client.chat.completions.create(body);
    const key = (await gw.repos.apiKeys.listWithHashes()).find((k) => k.keyHash === hashApiKey(gw!.key))!;
    await gw.repos.apiKeys.delete(key.id); // what `vmx key revoke` does
    const revokedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await expect(client.chat.completions.create(body)).rejects.toMatchObject({ status: 401 });
    expectWithinBudget(Date.now() - revokedAt, 1500, 'the refused request, counted from the revocation');

    const second = await gw.createKey();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const other = new OpenAI({ baseURL: gw.baseURL, apiKey: second, maxRetries: 0 });
    await other.chat.completions.create(body);
    await gw.repos.apiKeys.setEnabled(
      (await gw.repos.apiKeys.listWithHashes()).find((k) => k.keyHash === hashApiKey(second))!,
      false,
      'alice',
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await expect(other.chat.completions.create(body)).rejects.toMatchObject({ status: 401 });
  });

  it('a resource edit and a rotated connection secret take effect within a second', async () => {
    gw = await startGateway({ backend });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    await client.chat.completions.create(body);
    expect(gw.fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);

    const resource = (await gw.repos.resources.find(gw.env.environmentId, 'chat'))!;
    await gw.repos.resources.update(
      resource,
      { ...resource, model: { ...resource.model, model: 'edited-model' } },
      'alice',
    );
    // What `vmx connection update` does: the edit and the new secret in one transaction, on either store.
    const rotated = await gw.cli(
      ['connection', 'update', 'up', '-w', 'acme', '-e', 'dev', '--description', 'rotated', '--api-key-stdin'],
      { input: 'sk-rotated-key' },
    );
    expect(rotated.code, rotated.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const answer = await client.chat.completions.create(body);
    expect(answer.model).toBe('edited-model');
    expect(gw.fake.requests.at(-1)!.headers.authorization).toBe('Bearer sk-rotated-key');
  });

  it('a client that aborts mid-stream closes the upstream connection within 100 ms', async () => {
    gw = await startGateway({ backend });
    gw.fake.enqueue({ kind: 'reply', text: 'one two three four five six seven eight nine ten', chunkDelayMs: 200 });
    const controller = new AbortController();
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read(); // the first event arrived: the stream is flowing
    const upstream = gw.fake.requests.at(-1)!;
    const abortedAt = Date.now();
    controller.abort();
    await upstream.closed;
    expect(upstream.aborted).toBe(true);
    expectWithinBudget(upstream.closedAt! - abortedAt, 100, 'from the abort to the upstream close');
    const requestId = await eventually(
      async () => (await gw!.repos.audit.list({ environmentId: gw!.env.environmentId, limit: 1 }))[0]?.requestId,
    );
    expect(await gw.repos.audit.get(requestId)).toMatchObject({ status: 499, stream: true });
  });

  it('loses nothing on shutdown under load: one audit row per request, one usage row per attempt', async () => {
    gw = await startGateway({ backend, graceMs: 5000 });
    gw.fake.setDefault({ kind: 'reply', chunkDelayMs: 5 });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const requests = Array.from({ length: 60 }, (_, i) =>
      i % 2
        ? client.chat.completions
            .stream({ ...body, messages: [{ role: 'user', content: `stream ${i}` }] })
            .finalChatCompletion()
        : client.chat.completions.create({ ...body, messages: [{ role: 'user', content: `plain ${i}` }] }),
    );
    await eventually(() => gw!.fake.requests.length >= 30);
    const closing = gw.daemon.close('test');
    const settled = await Promise.allSettled(requests);
    await closing;
    const answered = settled.filter((s) => s.status === 'fulfilled').length;
    expect(answered).toBeGreaterThanOrEqual(30);

    // Read once the daemon has closed: whatever it had not written by then is lost.
    const records = await allRecords(gw);
    const audit = records.audit.filter((a) => a.status === 200);
    const usage = records.usage.filter((u) => u.status === 200);
    expect(audit).toHaveLength(answered);
    expect(usage).toHaveLength(answered);
    const sent = gw.fake.requests.filter((r) => r.sentUsage);
    expect(usage.reduce((sum, u) => sum + u.inputTokens!, 0)).toBe(
      sent.reduce((sum, r) => sum + r.sentUsage!.prompt_tokens, 0),
    );
    expect(usage.reduce((sum, u) => sum + u.outputTokens!, 0)).toBe(
      sent.reduce((sum, r) => sum + r.sentUsage!.completion_tokens, 0),
    );
  });

  it('never writes the provider secret to logs, audit rows, usage rows or responses', async () => {
    gw = await startGateway({ backend });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const texts: string[] = [];
    const { data, response } = await client.chat.completions.create(body).withResponse();
    texts.push(JSON.stringify(data), JSON.stringify([...response.headers]));
    gw.fake.enqueue({
      kind: 'error',
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${UPSTREAM_SECRET}` } },
    });
    const failed = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    texts.push(await failed.text());
    const stream = client.chat.completions.stream(body);
    texts.push(JSON.stringify(await stream.finalChatCompletion()));
    await gw.daemon.close('test');
    texts.push(readFileSync(join(gw.home, 'vmx.log'), 'utf8'));
    const records = await allRecords(gw);
    texts.push(JSON.stringify(records.audit), JSON.stringify(records.usage));
    expect(gw.fake.requests[0]!.headers.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);
    for (const text of texts) expect(text).not.toContain(UPSTREAM_SECRET);
  });
});
