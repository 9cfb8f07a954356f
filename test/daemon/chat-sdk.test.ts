import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

describeEachGateway('chat completions through vmx with the official openai SDK', (backend) => {
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({ backend });
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  });
  afterAll(() => gw.close());

  const rows = (requestId: string) => gw.repos.usage.forRequest(requestId);

  it('create: the provider body comes back with the vmx envelope and headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'chat', messages: [{ role: 'user', content: 'Say hello' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello from fake model fake-model');
    const requestId = response.headers.get('x-vmx-request-id')!;
    expect(response.headers.get('x-vmx-resource')).toBe('chat');
    expect(response.headers.get('x-vmx-provider')).toBe('openai');
    expect(response.headers.get('x-vmx-model')).toBe('fake-model');
    expect(response.headers.get('x-vmx-connection')).toBe('up');
    expect((data as any).vmx).toMatchObject({ requestId, events: [], metrics: { gateMs: 0 } });

    const upstream = gw.fake.requests.at(-1)!;
    expect(upstream.json).toEqual({ model: 'fake-model', messages: [{ role: 'user', content: 'Say hello' }] });
    const sent = upstream.sentUsage!;
    await eventually(async () => (await rows(requestId)).length === 1);
    expect((await rows(requestId))[0]).toMatchObject({
      status: 200,
      inputTokens: sent.prompt_tokens,
      outputTokens: sent.completion_tokens,
      totalTokens: sent.total_tokens,
      cachedTokens: sent.cached_tokens,
      provider: 'openai',
      model: 'fake-model',
      route: 'chat',
      stream: false,
    });
    await eventually(() => gw.repos.audit.get(requestId));
    expect(await gw.repos.audit.get(requestId)).toMatchObject({ status: 200, resource: 'chat', route: 'chat' });
  });

  it('stream().finalChatCompletion() without include_usage: no usage chunk reaches the client, usage is still recorded', async () => {
    const stream = client.chat.completions.stream({
      model: 'chat',
      messages: [{ role: 'user', content: 'Stream to me' }],
    });
    const chunks: any[] = [];
    stream.on('chunk', (chunk) => chunks.push(chunk));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Hello from fake model fake-model');
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks[0].vmx.requestId).toBeTruthy();
    expect(chunks.at(-1).vmx.metrics.totalMs).toBeGreaterThan(0);
    const requestId = chunks[0].vmx.requestId;
    // The gateway asked the upstream for usage even though the client did not.
    expect(gw.fake.requests.at(-1)!.json.stream_options).toEqual({ include_usage: true });
    const sent = gw.fake.requests.at(-1)!.sentUsage!;
    await eventually(async () => (await rows(requestId)).length === 1);
    expect((await rows(requestId))[0]).toMatchObject({
      stream: true,
      inputTokens: sent.prompt_tokens,
      outputTokens: sent.completion_tokens,
    });
    expect((await rows(requestId))[0]!.ttftMs).toBeGreaterThan(0);
  });

  it('stream with include_usage: the client gets the usage chunk', async () => {
    const stream = client.chat.completions.stream({
      model: 'chat',
      messages: [{ role: 'user', content: 'With usage please' }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const sent = gw.fake.requests.at(-1)!.sentUsage!;
    expect(final.usage).toMatchObject({ prompt_tokens: sent.prompt_tokens, completion_tokens: sent.completion_tokens });
  });

  it('a tool call round trip keeps tools and every other field', async () => {
    gw.fake.enqueue({ kind: 'tool-call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const first = await client.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      tool_choice: 'auto',
      temperature: 0.2,
      // a field vmx does not know passes through
      ...({ metadata_x: { keep: true } } as object),
    });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(gw.fake.requests.at(-1)!.json).toMatchObject({
      tools,
      tool_choice: 'auto',
      temperature: 0.2,
      metadata_x: { keep: true },
    });

    const second = await client.chat.completions.create({
      model: 'chat',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' },
      ],
      tools,
    });
    expect(second.choices[0]!.message.content).toContain('sunny, 21C');
    expect(gw.fake.requests.at(-1)!.json.messages[2]).toEqual({
      role: 'tool',
      tool_call_id: call.id,
      content: 'sunny, 21C',
    });
  });

  it('models.list() lists the resources the key may call', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['chat']);
    expect(page.data[0]).toMatchObject({ object: 'model', owned_by: 'vmx' });
    const limited = new OpenAI({ baseURL: gw.baseURL, apiKey: await gw.createKey({ resources: [] }), maxRetries: 0 });
    await new Promise((resolve) => setTimeout(resolve, 400)); // the daemon picks up CLI changes within a poll
    expect((await limited.models.list()).data).toEqual([]);
  });

  it('vmx options: correlation id, secondary model, overrides; the envelope never reaches the provider', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'chat',
        messages: [{ role: 'user', content: 'hi' }],
        ...({ vmx: { correlationId: 'corr-42' } } as object),
      })
      .withResponse();
    expect(response.headers.get('x-vmx-correlation-id')).toBe('corr-42');
    expect(gw.fake.requests.at(-1)!.json.vmx).toBeUndefined();
    await eventually(() => gw.repos.audit.get((data as any).vmx.requestId));
    expect((await gw.repos.audit.get((data as any).vmx.requestId))!.correlationId).toBe('corr-42');

    const ephemeral = await client.chat.completions.create({
      model: 'not-stored',
      messages: [{ role: 'user', content: 'hi' }],
      ...({ vmx: { resourceConfigOverrides: { model: 'up/other-model' } } } as object),
    });
    expect(ephemeral.model).toBe('other-model');
    expect(gw.fake.requests.at(-1)!.json.model).toBe('other-model');

    await expect(
      client.chat.completions.create({
        model: 'chat',
        messages: [{ role: 'user', content: 'hi' }],
        ...({ vmx: { secondaryModelIndex: 0 } } as object),
      }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
