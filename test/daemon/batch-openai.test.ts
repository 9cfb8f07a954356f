import OpenAI, { toFile } from 'openai';
import { afterEach, expect, it } from 'vitest';
import { eventually, startGateway, type GatewayOptions, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/** 5 s into a minute. */
const START = Date.UTC(2026, 11, 1, 10, 0, 5);
let now = START;
const clock = () => now;

const line = (customId: string, content = `question ${customId}`) =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'chat', messages: [{ role: 'user', content }] },
  });

const jsonl = (...lines: string[]) => lines.join('\n') + '\n';

/**
 * OpenAI's Batch API on the daemon (issue "Prioritization pools and batch completion"): the official
 * SDK, pointed at `<daemon>/v1` with a vmx key, uploads a JSONL file, makes a batch of it, follows it
 * to the end and reads its output and error files.
 */
describeEachGateway('OpenAI Batch and Files APIs', (backend) => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    now = START;
  });
  const start = async (options: GatewayOptions = {}) => {
    gw = await startGateway({ backend, ...options });
    return { gw, client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 }) };
  };
  const upload = async (client: OpenAI, text: string, name = 'in.jsonl') =>
    client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'batch' });

  it('upload, create, retrieve until completed, read the output and error files (a malformed line by its number)', async () => {
    const { gw, client } = await start();
    const text = jsonl(line('a'), line('b'), '{"custom_id": "broken", ', '', line('c'));
    const file = await upload(client, text);
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', filename: 'in.jsonl', status: 'processed' });
    expect(file.bytes).toBe(Buffer.byteLength(text));
    expect(await client.files.retrieve(file.id)).toMatchObject({ id: file.id, bytes: file.bytes });
    expect(await (await client.files.content(file.id)).text()).toBe(text);

    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { job: 'nightly' },
    });
    expect(created).toMatchObject({ object: 'batch', input_file_id: file.id, metadata: { job: 'nightly' } });
    expect(created.request_counts).toMatchObject({ total: 4 });
    expect(['validating', 'in_progress', 'completed']).toContain(created.status);

    const done = await eventually(async () => {
      const batch = await client.batches.retrieve(created.id);
      return batch.status === 'completed' && batch;
    });
    expect(done.request_counts).toEqual({ total: 4, completed: 3, failed: 1 });
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);
    expect(done.output_file_id).toMatch(/^file-/);
    expect(done.error_file_id).toMatch(/^file-/);
    expect(gw.fake.requests).toHaveLength(3);

    const output = (await (await client.files.content(done.output_file_id!)).text()).trim().split('\n');
    const answers = output.map((l) => JSON.parse(l));
    expect(answers.map((a) => a.custom_id)).toEqual(['a', 'b', 'c']);
    for (const answer of answers) {
      expect(answer.id).toMatch(/^batch_req_/);
      expect(answer.error).toBeNull();
      expect(answer.response.status_code).toBe(200);
      expect(answer.response.request_id).toBeTruthy();
      expect(answer.response.body.choices[0].message.content).toContain('fake-model');
    }
    const errors = (await (await client.files.content(done.error_file_id!)).text()).trim().split('\n');
    expect(errors).toHaveLength(1);
    const error = JSON.parse(errors[0]!);
    expect(error).toMatchObject({ custom_id: null, response: null, error: { code: 'invalid_request' } });
    expect(error.error.message).toContain('line 3');

    // Written once: the next read shows the same files, listed under their purposes.
    const again = await client.batches.retrieve(created.id);
    expect([again.output_file_id, again.error_file_id]).toEqual([done.output_file_id, done.error_file_id]);
    const outputs = await client.files.list({ purpose: 'batch_output' });
    expect(outputs.data.map((f) => f.id)).toEqual([done.output_file_id]);
    expect((await client.files.list()).data.map((f) => f.purpose).sort()).toEqual([
      'batch',
      'batch_errors',
      'batch_output',
    ]);
  });

  it('cancel: what has run stays, the rest is cancelled and listed in the error file', async () => {
    const { gw, client } = await start({ clock });
    const connection = (await gw.repos.connections.get(gw.env.connectionId))!;
    await gw.repos.connections.update(connection, { capacity: [{ period: 'minute', requests: 1 }] }, 'alice');
    await new Promise((resolve) => setTimeout(resolve, 400)); // the daemon reloads its configuration
    const file = await upload(client, jsonl(line('a'), line('b'), line('c')));
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    // One a minute: the first runs, the other two wait for the next window.
    await eventually(async () => {
      const seen = await client.batches.retrieve(batch.id);
      return seen.status === 'in_progress' && seen.request_counts?.completed === 1;
    });
    const cancelled = await client.batches.cancel(batch.id);
    expect(['cancelling', 'cancelled']).toContain(cancelled.status);
    const done = await eventually(async () => {
      const seen = await client.batches.retrieve(batch.id);
      return seen.status === 'cancelled' && seen;
    });
    expect(done.request_counts).toEqual({ total: 3, completed: 1, failed: 0 });
    expect(done.cancelling_at).toBeTypeOf('number');
    expect(done.cancelled_at).toBeTypeOf('number');
    const errors = (await (await client.files.content(done.error_file_id!)).text()).trim().split('\n');
    expect(errors.map((l) => JSON.parse(l).error.code)).toEqual(['batch_cancelled', 'batch_cancelled']);
    expect(gw.fake.requests).toHaveLength(1);
    // Cancelling a finished batch changes nothing.
    expect((await client.batches.cancel(batch.id)).status).toBe('cancelled');
  });

  it('list pages with limit and after; files can be deleted; unknown ids are 404', async () => {
    const { client } = await start();
    const file = await upload(client, jsonl(line('a')));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const batch = await client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      ids.push(batch.id);
    }
    const first = await client.batches.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const all: string[] = [];
    for await (const batch of client.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all.sort()).toEqual([...ids].sort());

    expect(await client.files.delete(file.id)).toMatchObject({ id: file.id, deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.batches.retrieve('batch_nope')).rejects.toMatchObject({ status: 404 });
    await expect(
      client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('400 for an endpoint vmx does not serve, a file of another purpose, an empty file; 413 for a file over the limit', async () => {
    const { gw, client } = await start({ fileLimit: 1024 });
    const file = await upload(client, jsonl(line('a')));
    const refused = await client.batches
      .create({
        input_file_id: file.id,
        endpoint: '/v1/embeddings' as '/v1/chat/completions',
        completion_window: '24h',
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('endpoint');

    const empty = await upload(client, '\n\n');
    await expect(
      client.batches.create({ input_file_id: empty.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    ).rejects.toMatchObject({ status: 400 });

    const tooLarge = await upload(client, jsonl(...Array.from({ length: 40 }, (_, i) => line(`q${i}`)))).catch(
      (error: unknown) => error,
    );
    expect(tooLarge).toBeInstanceOf(OpenAI.APIError);
    expect((tooLarge as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((tooLarge as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      type: 'invalid_request_error',
      message: expect.stringContaining('1024 bytes'),
    });
    expect((await client.files.list()).data).toHaveLength(2);

    const wrongPurpose = await fetch(`${gw.url}/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: (() => {
        const form = new FormData();
        form.append('purpose', 'fine-tune');
        form.append('file', new Blob([jsonl(line('a'))]), 'in.jsonl');
        return form;
      })(),
    });
    expect(wrongPurpose.status).toBe(400);
    expect(((await wrongPurpose.json()) as { error: { message: string } }).error.message).toContain('purpose');
    const noKey = await fetch(`${gw.url}/v1/batches`);
    expect(noKey.status).toBe(401);
  });
});
