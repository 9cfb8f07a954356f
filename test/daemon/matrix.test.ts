import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fake-bedrock.js';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';

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

describe('route × provider × stream × kind matrix', () => {
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  let bedrock: FakeBedrock;
  let openaiClient: OpenAI;
  let anthropicClient: Anthropic;

  beforeAll(async () => {
    gw = await startGateway();
    anthropic = await startFakeAnthropic();
    bedrock = await startFakeBedrock();
    const { store } = gw;
    const env = gw.env.environmentId;
    const add = (name: string, provider: Provider, config: Record<string, unknown>, secret: Record<string, string>) => {
      const connection = store.connections.create({
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
      add('compat', 'openai-compatible', { baseUrl: gw.fake.url }, {}),
      add('claude', 'anthropic', { baseUrl: anthropic.url }, { apiKey: 'sk-ant-test' }),
      add(
        'bedrock',
        'aws-bedrock',
        { baseUrl: bedrock.url, region: 'us-east-1' },
        { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test-key' },
      ),
    ];
    const { ConnectionSecrets, FileStore } = await import('../../src/store/credentials/index.js');
    const secrets = new ConnectionSecrets(new FileStore(gw.home), {});
    for (const { connection, secret } of connections)
      if (Object.keys(secret).length) secrets.write(connection.id, secret);
    const resource = (name: string, connectionId: string, model: string) =>
      store.resources.create(env, singleModelResource(name, { connectionId, model }), 't');
    resource('r-openai', gw.env.connectionId, 'fake-model');
    resource('r-openai-compatible', connections[0]!.connection.id, 'fake-model');
    resource('r-anthropic', connections[1]!.connection.id, 'claude-sonnet-4-5');
    resource('r-aws-bedrock', connections[2]!.connection.id, BEDROCK_CLAUDE);
    await new Promise((resolve) => setTimeout(resolve, 400));
    openaiClient = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    anthropicClient = new Anthropic({ baseURL: `${gw.baseURL}/anthropic`, apiKey: gw.key, maxRetries: 0 });
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

  const usageCount = () => (gw.store.db.prepare('SELECT count(*) AS n FROM usage').get() as { n: number }).n;
  const lastUsage = () =>
    gw.store.db.prepare('SELECT * FROM usage ORDER BY id DESC LIMIT 1').get() as Record<string, unknown>;

  const cells = routes.flatMap((route) =>
    providers.flatMap((provider) =>
      [false, true].flatMap((stream) => (['text', 'tool'] as const).map((kind) => ({ route, provider, stream, kind }))),
    ),
  );

  it.each(cells)('$route → $provider, stream=$stream, $kind', async ({ route, provider, stream, kind }) => {
    const before = usageCount();
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
    await eventually(() => usageCount() === before + 1);
    const row = lastUsage();
    const sent = reported(provider);
    expect(row).toMatchObject({
      status: 200,
      route,
      stream: stream ? 1 : 0,
      provider,
      input_tokens: sent.input,
      output_tokens: sent.output,
      total_tokens: sent.input + sent.output,
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
