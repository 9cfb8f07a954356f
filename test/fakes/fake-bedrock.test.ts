import {
  AccessDeniedException,
  BedrockRuntimeClient,
  BedrockRuntimeServiceException,
  ConverseCommand,
  ConverseStreamCommand,
  InternalServerException,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ThrottlingException,
  ValidationException,
  type ConverseStreamOutput,
  type Message,
  type ResponseStream,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeTokens, startFakeBedrock, type FakeBedrock } from '../helpers/fake-bedrock.js';

// Every test goes through the official client, with the HTTP/1.1 handler (the default one speaks HTTP/2).
let fake: FakeBedrock;
let client: BedrockRuntimeClient;
const modelId = 'anthropic.claude-3-haiku-20240307-v1:0';
const messages: Message[] = [{ role: 'user', content: [{ text: 'Say hello to the benchmark.' }] }];
const system = [{ text: 'Be brief.' }];
const prompt = fakeTokens('Be brief.Say hello to the benchmark.');
const text = `Hello from fake model ${modelId}`;
const toolConfig = {
  tools: [
    {
      toolSpec: {
        name: 'get_weather',
        inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    },
  ],
};
const anthropicBody = {
  anthropic_version: 'bedrock-2023-05-31',
  max_tokens: 64,
  system: 'Be brief.',
  messages: [{ role: 'user', content: 'Say hello to the benchmark.' }],
};

beforeAll(async () => {
  fake = await startFakeBedrock();
  client = new BedrockRuntimeClient({
    endpoint: fake.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await fake.close();
});
beforeEach(() => fake.reset());

async function converseStream(input: ConstructorParameters<typeof ConverseStreamCommand>[0]) {
  const response = await client.send(new ConverseStreamCommand(input));
  const events: ConverseStreamOutput[] = [];
  for await (const event of response.stream!) events.push(event);
  return events;
}

async function invokeStream(body: unknown) {
  const response = await client.send(
    new InvokeModelWithResponseStreamCommand({ modelId, contentType: 'application/json', body: JSON.stringify(body) }),
  );
  const events: any[] = [];
  for await (const part of response.body as AsyncIterable<ResponseStream>) {
    if (part.chunk?.bytes) events.push(JSON.parse(new TextDecoder().decode(part.chunk.bytes)));
  }
  return { response, events };
}

const eventName = (e: object) => Object.keys(e).find((k) => (e as Record<string, unknown>)[k] !== undefined);

describe('fake Bedrock upstream', () => {
  it('answers Converse, and records the decoded model id and the SigV4 credential', async () => {
    const response = await client.send(
      new ConverseCommand({ modelId, system, messages, inferenceConfig: { maxTokens: 64 } }),
    );

    expect(response.output?.message).toEqual({ role: 'assistant', content: [{ text }] });
    expect(response.stopReason).toBe('end_turn');
    expect(response.usage).toEqual({
      inputTokens: prompt,
      outputTokens: fakeTokens(text),
      totalTokens: prompt + fakeTokens(text),
    });
    expect(response.metrics?.latencyMs).toBeGreaterThan(0);
    expect(response.$metadata.httpStatusCode).toBe(200);

    const request = fake.requests[0]!;
    expect(request).toMatchObject({
      method: 'POST',
      operation: 'converse',
      modelId,
      rawModelId: 'anthropic.claude-3-haiku-20240307-v1%3A0',
      stream: false,
    });
    expect(request.path).toBe('/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=.*host/,
    );
    expect(request).toMatchObject({
      auth: 'sigv4',
      accessKeyId: 'AKIDTEST',
      signingRegion: 'us-east-1',
      signingService: 'bedrock',
    });
    expect(JSON.parse(request.rawBody)).toEqual({ system, messages, inferenceConfig: { maxTokens: 64 } });
    expect(request.sentUsage).toEqual({
      input_tokens: prompt,
      output_tokens: fakeTokens(text),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
  });

  it('reports cache reads and writes in Converse usage', async () => {
    fake.enqueue({
      kind: 'reply',
      text: 'cached',
      usage: { input_tokens: 4, output_tokens: 2, cache_read_input_tokens: 100, cache_creation_input_tokens: 30 },
    });
    const response = await client.send(new ConverseCommand({ modelId, messages }));
    expect(response.usage).toEqual({
      inputTokens: 4,
      outputTokens: 2,
      totalTokens: 136,
      cacheReadInputTokens: 100,
      cacheWriteInputTokens: 30,
    });
  });

  it('answers tool use in Converse and mentions the tool result on the way back', async () => {
    fake.enqueue({ kind: 'tool-use', name: 'get_weather', input: { city: 'Paris' } });
    const first = await client.send(new ConverseCommand({ modelId, messages, toolConfig }));
    expect(first.stopReason).toBe('tool_use');
    const toolUse = first.output!.message!.content![0]!.toolUse!;
    expect(toolUse).toEqual({
      toolUseId: expect.stringMatching(/^tooluse_/),
      name: 'get_weather',
      input: { city: 'Paris' },
    });

    const second = await client.send(
      new ConverseCommand({
        modelId,
        toolConfig,
        messages: [
          ...messages,
          first.output!.message!,
          {
            role: 'user',
            content: [{ toolResult: { toolUseId: toolUse.toolUseId, content: [{ text: 'sunny, 21C' }] } }],
          },
        ],
      }),
    );
    expect(second.output!.message!.content![0]!.text).toContain('sunny, 21C');
  });

  it('streams Converse text as event-stream frames', async () => {
    fake.enqueue({ kind: 'reply', text: 'one two three', chunks: 3 });
    const events = await converseStream({ modelId, system, messages });

    expect(events.map(eventName)).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    expect(events[0]!.messageStart).toEqual({ role: 'assistant' });
    expect(events.map((e) => e.contentBlockDelta?.delta?.text ?? '').join('')).toBe('one two three');
    expect(events[1]!.contentBlockDelta!.contentBlockIndex).toBe(0);
    expect(events[5]!.messageStop).toEqual({ stopReason: 'end_turn' });
    expect(events[6]!.metadata!.usage).toEqual({
      inputTokens: prompt,
      outputTokens: fakeTokens('one two three'),
      totalTokens: prompt + fakeTokens('one two three'),
    });
    expect(fake.requests[0]).toMatchObject({ operation: 'converse-stream', stream: true, modelId });
    expect(fake.requests[0]!.sentUsage).toBeDefined();
  });

  it('streams Converse tool use: contentBlockStart, then input pieces', async () => {
    fake.enqueue({ kind: 'tool-use', name: 'get_weather', input: { city: 'Paris', days: 3 } });
    const events = await converseStream({ modelId, messages, toolConfig });

    expect(events[1]!.contentBlockStart).toEqual({
      start: { toolUse: { toolUseId: expect.stringMatching(/^tooluse_/), name: 'get_weather' } },
      contentBlockIndex: 0,
    });
    const pieces = events.flatMap((e) =>
      e.contentBlockDelta?.delta?.toolUse ? [e.contentBlockDelta.delta.toolUse.input] : [],
    );
    expect(pieces.length).toBeGreaterThan(1);
    expect(JSON.parse(pieces.join(''))).toEqual({ city: 'Paris', days: 3 });
    expect(events.find((e) => e.messageStop)!.messageStop!.stopReason).toBe('tool_use');
  });

  it('passes reasoning content (thinking) in Converse, streamed and not', async () => {
    fake.enqueue(
      { kind: 'thinking', thinking: 'Hmm, a greeting.', signature: 'sig-123', text: 'Hi!' },
      { kind: 'thinking', thinking: 'Hmm.', signature: 'sig-9', text: 'Hi!' },
    );
    const response = await client.send(new ConverseCommand({ modelId, messages }));
    expect(response.output!.message!.content).toEqual([
      { reasoningContent: { reasoningText: { text: 'Hmm, a greeting.', signature: 'sig-123' } } },
      { text: 'Hi!' },
    ]);
    const events = await converseStream({ modelId, messages });
    const reasoning = events.flatMap((e) =>
      e.contentBlockDelta?.delta?.reasoningContent ? [e.contentBlockDelta.delta.reasoningContent] : [],
    );
    expect(reasoning).toEqual([{ text: 'Hmm.' }, { signature: 'sig-9' }]);
  });

  it('answers InvokeModel with an Anthropic message, and rejects a body carrying `model`', async () => {
    const response = await client.send(
      new InvokeModelCommand({
        modelId,
        contentType: 'application/json',
        accept: 'application/json',
        body: JSON.stringify(anthropicBody),
      }),
    );
    expect(response.contentType).toBe('application/json');
    const message = JSON.parse(new TextDecoder().decode(response.body));
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: modelId,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
    });
    expect(message.usage).toMatchObject({
      input_tokens: prompt,
      output_tokens: fakeTokens(text),
      cache_read_input_tokens: 0,
    });
    const request = fake.requests[0]!;
    expect(request).toMatchObject({ operation: 'invoke', modelId, anthropicVersion: 'bedrock-2023-05-31' });
    expect(request.json).not.toHaveProperty('model');

    const rejected = await client
      .send(
        new InvokeModelCommand({
          modelId,
          contentType: 'application/json',
          body: JSON.stringify({ ...anthropicBody, model: 'claude' }),
        }),
      )
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(ValidationException);
    expect((rejected as ValidationException).message).toContain('extraneous key [model]');
  });

  it('streams InvokeModel chunks carrying Anthropic events in order', async () => {
    const { response, events } = await invokeStream(anthropicBody);
    expect(response.contentType).toBe('application/json');
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      ...Array(text.split(' ').length).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(
      events
        .filter((e) => e.type === 'content_block_delta')
        .map((e) => e.delta.text)
        .join(''),
    ).toBe(text);
    expect(events[0].message).toMatchObject({ role: 'assistant', content: [], usage: { input_tokens: prompt } });
    expect(events.at(-2)).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: fakeTokens(text) },
    });
    expect(events.at(-1)['amazon-bedrock-invocationMetrics']).toMatchObject({
      inputTokenCount: prompt,
      outputTokenCount: fakeTokens(text),
    });
    expect(fake.requests[0]).toMatchObject({
      operation: 'invoke-with-response-stream',
      stream: true,
      anthropicVersion: 'bedrock-2023-05-31',
    });
  });

  it('streams InvokeModel tool use as input_json_delta pieces', async () => {
    fake.enqueue({ kind: 'tool-use', name: 'get_weather', input: { city: 'Paris' } });
    const { events } = await invokeStream(anthropicBody);
    expect(events[1].content_block).toEqual({
      type: 'tool_use',
      id: expect.stringMatching(/^toolu_/),
      name: 'get_weather',
      input: {},
    });
    const json = events.filter((e) => e.delta?.type === 'input_json_delta').map((e) => e.delta.partial_json);
    expect(json.length).toBeGreaterThan(1);
    expect(JSON.parse(json.join(''))).toEqual({ city: 'Paris' });
    expect(events.find((e) => e.type === 'message_delta').delta.stop_reason).toBe('tool_use');
  });

  it('raises the modelled exception class for each AWS error type', async () => {
    fake.enqueue(
      { kind: 'error', status: 429, message: 'Too many requests, please wait before trying again.' },
      { kind: 'error', status: 400 },
      { kind: 'error', status: 403 },
      { kind: 'error', status: 500 },
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 4; i++)
      errors.push(await client.send(new ConverseCommand({ modelId, messages })).catch((e: unknown) => e));

    const [throttled, invalid, denied, internal] = errors as BedrockRuntimeServiceException[];
    expect(throttled).toBeInstanceOf(ThrottlingException);
    expect(throttled!.name).toBe('ThrottlingException');
    expect(throttled!.message).toBe('Too many requests, please wait before trying again.');
    expect(throttled!.$metadata.httpStatusCode).toBe(429);
    expect(invalid).toBeInstanceOf(ValidationException);
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect(internal).toBeInstanceOf(InternalServerException);
    expect(internal!.$metadata.httpStatusCode).toBe(500);
    expect(fake.requests[0]!.sentUsage).toBeUndefined();
  });

  it('sends an exception frame mid-stream (stream-error) and drops a stream (stream-then-fail)', async () => {
    fake.enqueue(
      { kind: 'stream-error', afterEvents: 2, type: 'ThrottlingException', message: 'slow down' },
      { kind: 'stream-then-fail', afterEvents: 2 },
    );
    const seen: string[] = [];
    const response = await client.send(new ConverseStreamCommand({ modelId, messages }));
    const thrown = await (async () => {
      for await (const event of response.stream!) seen.push(eventName(event)!);
    })().catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ThrottlingException);
    expect((thrown as Error).message).toBe('slow down');
    expect(seen).toEqual(['messageStart', 'contentBlockDelta']);

    const dropped = await invokeStream(anthropicBody).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(Error);
    expect(fake.requests[1]!.sentUsage).toBeUndefined();
  });

  it('delays, hangs until the client gives up, and closes the socket', async () => {
    fake.enqueue(
      { kind: 'delay', ms: 150, then: { kind: 'reply', text: 'late' } },
      { kind: 'hang' },
      { kind: 'close' },
    );
    const started = Date.now();
    const late = await client.send(new ConverseCommand({ modelId, messages }));
    expect(late.output!.message!.content![0]!.text).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    const hung = await client
      .send(new ConverseCommand({ modelId, messages }), { abortSignal: AbortSignal.timeout(200) })
      .catch((e: unknown) => e);
    expect(hung).toBeInstanceOf(Error);
    await fake.requests[1]!.closed;
    expect(fake.requests[1]!.aborted).toBe(true);

    const closed = await client.send(new ConverseCommand({ modelId, messages })).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(Error);
    await fake.requests[2]!.closed;
    expect(fake.requests[2]!.aborted).toBe(false);
  });

  it('answers 403 without credentials and 404 for unknown operations, in AWS shape', async () => {
    const missing = await fetch(`${fake.url}/model/m/converse`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(403);
    expect(missing.headers.get('x-amzn-errortype')).toMatch(/^MissingAuthenticationTokenException/);
    expect(await missing.json()).toEqual({ message: 'Missing Authentication Token' });

    const bearer = await fetch(`${fake.url}/model/m%3A1/nope`, {
      method: 'POST',
      headers: { authorization: 'Bearer bedrock-key' },
      body: '{}',
    });
    expect(bearer.status).toBe(404);
    expect(fake.requests[1]).toMatchObject({ auth: 'bearer', bearerToken: 'bedrock-key' });
    expect(fake.requests[0]!.behaviour).toBeUndefined();
  });
});
