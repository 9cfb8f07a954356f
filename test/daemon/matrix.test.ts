import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fake-bedrock.js';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/**
 * Every route × every provider × stream or not × text or tool call, with the official SDKs as clients
 * and fakes speaking each provider's wire format: the SDK parses the answer, text and tool calls
 * arrive intact, and the usage row holds exactly the tokens the upstream reported.
 */
type Provider = 'openai' | 'openai-compatible' | 'anthropic' | 'aws-bedrock';
const providers: Provider[] = ['openai', 'openai-compatible', 'anthropic', 'aws-bedrock'];
const routes = ['chat', 'responses', 'messages'] as const;
const BEDROCK_CLAUDE = 'anthropic.claude-3-haiku-20240307-v1:0';
const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

describeEachGateway('route × provider × stream × kind matrix', (backend) => {
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  let bedrock: FakeBedrock;
  let openaiClient: OpenAI;
  let anthropicClient: Anthropic;
  /** The request id vmx gave the last answer the SDKs received. */
  let lastRequestId: string | null = null;
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    lastRequestId = response.headers.get('x-vmx-request-id');
    return response;
  };

  beforeAll(async () => {
    gw = await startGateway({ backend });
    anthropic = await startFakeAnthropic();
    bedrock = await startFakeBedrock();
    const { repos } = gw;
    const env = gw.env.environmentId;
    const add = async (
      name: string,
      provider: Provider,
      config: Record<string, unknown>,
      secret: Record<string, string>,
    ) => {
      const connection = await repos.connections.create({
        environmentId: env,
        name,
        provider,
        config,
        capacity: [],
        user: 't',
      });
      return { connection, secret };
    };
    const connections = [
      await add('compat', 'openai-compatible', { baseUrl: gw.fake.url }, {}),
      await add('claude', 'anthropic', { baseUrl: anthropic.url }, { apiKey: 'sk-ant-test' }),
      await add(
        'bedrock',
        'aws-bedrock',
        { baseUrl: bedrock.url, region: 'us-east-1' },
        { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test-key' },
      ),
    ];
    for (const { connection, secret } of connections)
      if (Object.keys(secret).length) await gw.writeSecret(connection.id, secret);
    const resource = (name: string, connectionId: string, model: string) =>
      repos.resources.create(env, singleModelResource(name, { connectionId, model }), 't');
    await resource('r-openai', gw.env.connectionId, 'fake-model');
    await resource('r-openai-compatible', connections[0]!.connection.id, 'fake-model');
    await resource('r-anthropic', connections[1]!.connection.id, 'claude-sonnet-4-5');
    await resource('r-aws-bedrock', connections[2]!.connection.id, BEDROCK_CLAUDE);
    await new Promise((resolve) => setTimeout(resolve, 400));
    openaiClient = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0, fetch: recordingFetch });
    anthropicClient = new Anthropic({
      baseURL: `${gw.baseURL}/anthropic`,
      apiKey: gw.key,
      maxRetries: 0,
      fetch: recordingFetch,
    });
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
    await bedrock.close();
  });

  /** Queues a tool call on whichever fake serves the provider, and returns what the upstream will report. */
  function queueTool(provider: Provider) {
    if (provider === 'openai' || provider === 'openai-compatible')
      gw.fake.enqueue({ kind: 'tool-call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    else
      (provider === 'anthropic' ? anthropic : bedrock).enqueue({
        kind: 'tool-use',
        name: 'get_weather',
        input: { city: 'Paris' },
      });
  }

  /** The tokens the fake reported for its last answer, as input/output. */
  function reported(provider: Provider): { input: number; output: number } {
    if (provider === 'openai' || provider === 'openai-compatible') {
      const sent = gw.fake.requests.at(-1)!.sentUsage!;
      return { input: sent.prompt_tokens, output: sent.completion_tokens };
    }
    const sent = (provider === 'anthropic' ? anthropic : bedrock).requests.at(-1)!.sentUsage!;
    return {
      input: sent.input_tokens + sent.cache_read_input_tokens + sent.cache_creation_input_tokens,
      output: sent.output_tokens,
    };
  }

  const usageCount = async () => (await gw.repos.usage.counts()).raw;

  const cells = routes.flatMap((route) =>
    providers.flatMap((provider) =>
      [false, true].flatMap((stream) => (['text', 'tool'] as const).map((kind) => ({ route, provider, stream, kind }))),
    ),
  );

  it.each(cells)('$route → $provider, stream=$stream, $kind', async ({ route, provider, stream, kind }) => {
    const before = await usageCount();
    lastRequestId = null;
    const model = `r-${provider}`;
    if (kind === 'tool') queueTool(provider);
    let text = '';
    let tool: { name: string; args: unknown } | undefined;

    if (route === 'chat') {
      const tools: OpenAI.Chat.ChatCompletionTool[] = [
        { type: 'function', function: { name: 'get_weather', parameters: weatherSchema } },
      ];
      const params = {
        model,
        messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }],
        ...(kind === 'tool' ? { tools } : {}),
      };
      const completion = stream
        ? await openaiClient.chat.completions.stream(params).finalChatCompletion()
        : await openaiClient.chat.completions.create(params);
      const message = completion.choices[0]!.message;
      text = message.content ?? '';
      const call = message.tool_calls?.[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall | undefined;
      if (call) tool = { name: call.function.name, args: JSON.parse(call.function.arguments) };
    } else if (route === 'responses') {
      const tools: OpenAI.Responses.Tool[] = [
        { type: 'function', name: 'get_weather', parameters: weatherSchema, strict: false },
      ];
      const params = { model, input: 'What is the weather in Paris?', ...(kind === 'tool' ? { tools } : {}) };
      const response = stream
        ? await openaiClient.responses.stream(params).finalResponse()
        : await openaiClient.responses.create(params);
      text = response.output_text;
      const output = response.output as OpenAI.Responses.ResponseOutputItem[];
      const call = output.find(
        (item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call',
      );
      if (call) tool = { name: call.name, args: JSON.parse(call.arguments) };
    } else {
      const tools: Anthropic.Tool[] = [
        { name: 'get_weather', input_schema: weatherSchema as Anthropic.Tool.InputSchema },
      ];
      const params = {
        model,
        max_tokens: 256,
        messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }],
        ...(kind === 'tool' ? { tools } : {}),
      };
      const message = stream
        ? await anthropicClient.messages.stream(params).finalMessage()
        : await anthropicClient.messages.create(params);
      text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
      const use = message.content.find((block) => block.type === 'tool_use');
      if (use) tool = { name: use.name, args: use.input };
    }

    if (kind === 'text') {
      expect(text).toMatch(/^Hello from fake model /);
      expect(tool).toBeUndefined();
    } else {
      expect(tool).toEqual({ name: 'get_weather', args: { city: 'Paris' } });
    }
    // The request's one usage row, and no other row written since the request began.
    const requestId = lastRequestId!;
    expect(requestId).toBeTruthy();
    const rows = await eventually(async () => {
      const written = await gw.repos.usage.forRequest(requestId);
      return written.length > 0 && written;
    });
    await eventually(async () => (await usageCount()) === before + 1);
    expect(rows).toHaveLength(1);
    const sent = reported(provider);
    expect(rows[0]).toMatchObject({
      status: 200,
      route,
      stream,
      provider,
      inputTokens: sent.input,
      outputTokens: sent.output,
      totalTokens: sent.input + sent.output,
    });
  });

  it('Bedrock: Claude on the messages route goes through InvokeModel, everything else through Converse', () => {
    const operations = bedrock.requests.map((r) => `${r.operation}`);
    expect(operations).toEqual(
      expect.arrayContaining(['invoke', 'invoke-with-response-stream', 'converse', 'converse-stream']),
    );
    const invoke = bedrock.requests.find((r) => r.operation === 'invoke')!;
    expect(invoke.json.anthropic_version).toBe('bedrock-2023-05-31');
    expect(invoke.json.model).toBeUndefined();
    expect(invoke.modelId).toBe(BEDROCK_CLAUDE);
  });
});
