import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseCommandInput,
  type ConverseStreamCommandInput,
} from '@aws-sdk/client-bedrock-runtime';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  converseRequestJson,
  converseStreamFrames,
  createConverseStreamDecoder,
  decodeConverseRequest,
  decodeConverseResponse,
  encodeConverseRequest,
  encodeConverseResponse,
  type ConverseStreamFrame,
} from '../../../src/providers/dialects/bedrock-converse/codec.js';
import type { PivotRequest, PivotResponse, PivotStreamEvent } from '../../../src/providers/pivot.js';

/**
 * `@aws-sdk/client-bedrock-runtime` against the Converse codec: the SDK sends the encoded request (so
 * its types and serialiser accept it), a local fake answers with the encoded response and with the
 * stream frames framed as AWS event-stream, and the SDK's parsed output decodes back to the pivot.
 */

const codec = new EventStreamCodec(
  (b) => new TextDecoder().decode(b),
  (s) => new TextEncoder().encode(s),
);
function frameBytes(frame: ConverseStreamFrame): Uint8Array {
  const typeHeader = frame.messageType === 'event' ? ':event-type' : ':exception-type';
  const headers = {
    [typeHeader]: frame.eventType,
    ':content-type': 'application/json',
    ':message-type': frame.messageType,
  };
  return codec.encode({
    headers: Object.fromEntries(Object.entries(headers).map(([k, value]) => [k, { type: 'string' as const, value }])),
    body: new TextEncoder().encode(JSON.stringify(frame.body)),
  });
}

const request: PivotRequest = {
  model: 'anthropic.claude-3-haiku-20240307-v1:0',
  system: ['Be brief.'],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Weather?' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
      ],
    },
    {
      role: 'assistant',
      content: [{ type: 'tool-call', id: 't1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
    },
    { role: 'tool', toolCallId: 't1', content: [{ type: 'text', text: '18C' }] },
  ],
  tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
  toolChoice: 'auto',
  maxTokens: 100,
  stream: false,
};
const answer: PivotResponse = {
  id: 'ignored',
  model: '',
  content: [{ type: 'text', text: 'It is 18C in Paris.' }],
  stopReason: 'stop',
  usage: { inputTokens: 40, outputTokens: 8, cachedInputTokens: 30 },
};
let script: PivotStreamEvent[] = [];

let server: Server;
let client: BedrockRuntimeClient;
const received: Array<{ path: string; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    received.push({ path: req.url ?? '', body: JSON.parse(raw) });
    if (req.url?.endsWith('/converse')) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'req-42' });
      res.end(JSON.stringify(encodeConverseResponse(answer)));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-43' });
    for (const frame of converseStreamFrames(script)) res.write(frameBytes(frame));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    // The client speaks HTTP/2 by default; this plain node:http fake needs HTTP/1.1.
    requestHandler: new NodeHttpHandler(),
  });
});

afterAll(() => {
  client.destroy();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('AWS SDK against the Converse codec', () => {
  it('Converse: the SDK sends the encoded request as the codec would, and its output decodes', async () => {
    const input: ConverseCommandInput = encodeConverseRequest(request).value;
    const output = await client.send(new ConverseCommand(input));
    const sent = received.at(-1)!;
    expect(sent.path).toBe('/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
    // The SDK's own serialisation (bytes → base64, modelId in the path) matches converseRequestJson.
    expect(sent.body).toEqual(JSON.parse(converseRequestJson(input)));
    expect(decodeConverseRequest({ ...sent.body, modelId: request.model }).value).toEqual(request);
    expect(decodeConverseResponse(output)).toEqual({ ...answer, id: 'req-42' });
  });

  it('ConverseStream: event-stream frames parse in the SDK and its events decode back to the pivot', async () => {
    script = [
      { type: 'start', id: 's', model: 'm' },
      { type: 'reasoning-delta', index: 0, text: 'Hmm.', signature: 'sig' },
      { type: 'block-end', index: 0 },
      { type: 'text-delta', index: 1, text: 'Calling ' },
      { type: 'text-delta', index: 1, text: 'the tool.' },
      { type: 'block-end', index: 1 },
      { type: 'tool-call-start', index: 2, id: 't2', name: 'get_weather' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: '{"city":"Lyon"}' },
      { type: 'block-end', index: 2 },
      { type: 'finish', stopReason: 'tool-calls', usage: { inputTokens: 40, outputTokens: 8, cacheWriteTokens: 30 } },
    ];
    const input: ConverseStreamCommandInput = encodeConverseRequest({ ...request, stream: true }).value;
    const output = await client.send(new ConverseStreamCommand(input));
    expect(received.at(-1)!.path).toMatch(/\/converse-stream$/);
    const decoder = createConverseStreamDecoder();
    const events: PivotStreamEvent[] = [];
    for await (const event of output.stream!) events.push(...decoder.push({ data: event }));
    events.push(...decoder.end());
    expect(events[0]).toMatchObject({ type: 'start' });
    expect(events.slice(1)).toEqual([
      { type: 'reasoning-delta', index: 0, text: 'Hmm.' },
      { type: 'reasoning-delta', index: 0, text: '', signature: 'sig' },
      ...script.slice(2),
    ]);
  });

  it('ConverseStream: a pivot error becomes an exception frame the SDK throws', async () => {
    script = [
      { type: 'text-delta', index: 0, text: 'Par' },
      { type: 'error', message: 'upstream reset' },
    ];
    const output = await client.send(new ConverseStreamCommand(encodeConverseRequest(request).value));
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const event of output.stream!) seen.push(event);
      })(),
    ).rejects.toMatchObject({ name: 'ModelStreamErrorException', message: 'upstream reset' });
    expect(seen).toEqual([
      { messageStart: { role: 'assistant' } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Par' } } },
    ]);
  });
});
