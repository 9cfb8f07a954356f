import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createResponsesStreamEncoder,
  decodeResponsesRequest,
  encodeResponsesResponse,
} from '../../../src/providers/dialects/openai-responses/codec.js';
import type { PivotRequest, PivotStreamEvent } from '../../../src/providers/pivot.js';

/**
 * The official `openai` SDK consumes what the Responses encoders write, from a tiny local server:
 * stream events through `responses.stream()` / `create({stream: true})`, JSON through `create()`.
 */

const usage = { inputTokens: 12, outputTokens: 5, cachedInputTokens: 4 };
const scripts: Record<string, PivotStreamEvent[]> = {
  text: [
    { type: 'start', id: 'up', model: 'up-model' },
    { type: 'text-delta', index: 0, text: 'Hello' },
    { type: 'text-delta', index: 0, text: ' world' },
    { type: 'block-end', index: 0 },
    { type: 'finish', stopReason: 'stop', usage },
  ],
  tools: [
    { type: 'start', id: 'up', model: 'up-model' },
    { type: 'reasoning-delta', index: 0, text: 'Paris first.' },
    { type: 'block-end', index: 0 },
    { type: 'text-delta', index: 1, text: 'Checking.' },
    { type: 'block-end', index: 1 },
    { type: 'tool-call-start', index: 2, id: 'call_1', name: 'get_weather' },
    { type: 'tool-call-delta', index: 2, argumentsDelta: '{"city":' },
    { type: 'tool-call-delta', index: 2, argumentsDelta: '"Paris"}' },
    { type: 'block-end', index: 2 },
    { type: 'finish', stopReason: 'tool-calls', usage },
  ],
  length: [
    { type: 'text-delta', index: 0, text: 'Once upon' },
    { type: 'finish', stopReason: 'length', usage },
  ],
  gated: [
    { type: 'start', id: 'up', model: 'up-model' },
    { type: 'text-delta', index: 0, text: 'Hello' },
    { type: 'text-delta', index: 0, text: ' world' },
    { type: 'block-end', index: 0 },
    { type: 'finish', stopReason: 'stop', usage },
  ],
  fail: [
    { type: 'text-delta', index: 0, text: 'Par' },
    { type: 'error', message: 'upstream reset' },
  ],
};

let server: Server;
let client: OpenAI;
const requests: PivotRequest[] = [];
/** Released by the test once the client has seen the first delta; the server holds the rest until then. */
let firstDeltaSeen: (() => void) | undefined;
/** Who released the gated stream: the client (the first delta reached it at once) or the 3 s fallback. */
let gateOpenedBy: 'client' | 'timeout' | undefined;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw) as Record<string, unknown>;
    const request = decodeResponsesRequest(body).value;
    requests.push(request);
    const prompt = request.messages[0]?.content[0];
    const script = scripts[prompt?.type === 'text' ? prompt.text : 'text'] ?? scripts.text!;
    const context = { id: 'resp_sdk1', model: request.model, created: 1700000000 };
    if (!request.stream) {
      const content = script.flatMap((e) => (e.type === 'text-delta' ? [{ type: 'text' as const, text: e.text }] : []));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          encodeResponsesResponse(
            { id: context.id, model: context.model, content, stopReason: 'stop', usage },
            1700000000,
          ),
        ),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const encoder = createResponsesStreamEncoder(context);
    const gate =
      prompt?.type === 'text' && prompt.text === 'gated'
        ? new Promise<'client' | 'timeout'>((resolve) => {
            firstDeltaSeen = () => resolve('client');
            setTimeout(() => resolve('timeout'), 3000).unref();
          })
        : undefined;
    for (const [i, event] of script.entries()) {
      res.write(encoder.push(event));
      // After the first delta, wait for the client: it only gets there if that delta was sent at once.
      if (i === 1 && gate) gateOpenedBy = await gate;
    }
    res.end(encoder.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new OpenAI({ apiKey: 'test-key', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('openai SDK against the Responses encoders', () => {
  it('responses.stream().finalResponse() assembles text and usage; deltas arrive before the end', async () => {
    const deltas: string[] = [];
    const stream = client.responses.stream({ model: 'my-resource', input: 'gated' });
    stream.on('response.output_text.delta', (e) => {
      deltas.push(e.delta);
      firstDeltaSeen?.();
    });
    const final = await stream.finalResponse();
    expect(gateOpenedBy).toBe('client');
    expect(deltas).toEqual(['Hello', ' world']);
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('Hello world');
    expect(final.model).toBe('my-resource');
    expect(final.usage).toMatchObject({
      input_tokens: 12,
      output_tokens: 5,
      total_tokens: 17,
      input_tokens_details: { cached_tokens: 4 },
    });
    expect(requests.at(-1)).toMatchObject({ model: 'my-resource', stream: true, messages: [{ role: 'user' }] });
  });

  it('streams reasoning, text and a function call that the SDK assembles', async () => {
    const final = await client.responses.stream({ model: 'my-resource', input: 'tools' }).finalResponse();
    expect(final.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(final.output[0]).toMatchObject({ summary: [{ type: 'summary_text', text: 'Paris first.' }] });
    expect(final.output[2]).toMatchObject({
      call_id: 'call_1',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
      status: 'completed',
    });
    expect(final.output_text).toBe('Checking.');
  });

  it('create({stream: true}) yields the typed events in Responses order', async () => {
    const stream = await client.responses.create({ model: 'my-resource', input: 'text', stream: true });
    const types: string[] = [];
    const sequence: number[] = [];
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
    }
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(sequence).toEqual(types.map((_, i) => i));
  });

  it('reports length as an incomplete response, and a failure as a thrown error', async () => {
    const truncated = await client.responses.stream({ model: 'my-resource', input: 'length' }).finalResponse();
    expect(truncated.status).toBe('incomplete');
    expect(truncated.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(truncated.output_text).toBe('Once upon');

    // The SDK's stream helper turns the `error` event into a rejection carrying its message …
    await expect(client.responses.stream({ model: 'my-resource', input: 'fail' }).finalResponse()).rejects.toThrow(
      'upstream reset',
    );
    // … while raw iteration shows the whole ending: error, then response.failed with the partial output.
    const events: Array<{ type: string; response?: { status?: string; output_text?: string } }> = [];
    for await (const event of await client.responses.create({ model: 'my-resource', input: 'fail', stream: true }))
      events.push(event);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'response.failed']);
    expect(events.at(-1)!.response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: 'upstream reset' },
    });
  });

  it('create() reads the JSON Response object', async () => {
    const response = await client.responses.create({ model: 'my-resource', input: 'text', instructions: 'Be brief' });
    expect(response.output_text).toBe('Hello world');
    expect(response.id).toBe('resp_sdk1');
    expect(response.usage?.total_tokens).toBe(17);
    expect(requests.at(-1)).toMatchObject({ system: ['Be brief'], stream: false });
  });
});
