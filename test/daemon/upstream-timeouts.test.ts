import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fake-bedrock.js';
import { eventually, startGateway, UPSTREAM_SECRET, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/**
 * HTTP.md "Limits": upstream timeouts per connection (connect, first byte, idle gap inside a stream
 * or body), and no fixed pool on a connection that hanging requests could fill so that healthy
 * requests on the same connection queue behind them.
 */

const chatBody = (model: string, stream = false) => ({ model, messages: [{ role: 'user', content: 'hi' }], stream });
const messagesBody = (model: string, stream = false) => ({
  model,
  max_tokens: 64,
  messages: [{ role: 'user', content: 'hi' }],
  stream,
});

function post(gw: TestGateway, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gw.baseURL}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

/** Sets config fields of a connection and restarts the daemon, so that the next request surely uses them. */
async function configure(gw: TestGateway, connectionId: string, config: Record<string, unknown>): Promise<void> {
  const connection = (await gw.repos.connections.get(connectionId))!;
  await gw.repos.connections.update(connection, { config: { ...connection.config, ...config } }, 'alice');
  await gw.restart();
}

describeEachGateway('no head-of-line blocking on one connection', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      backend,
      fake: { choose: (request) => (request.json?.model === 'hang-model' ? { kind: 'hang' } : undefined) },
    });
    await gw.repos.resources.create(
      gw.env.environmentId,
      singleModelResource('stuck', { connectionId: gw.env.connectionId, model: 'hang-model' }),
      'alice',
    );
    // Long enough that none of the hanging requests is given up while the test runs.
    await configure(gw, gw.env.connectionId, { firstByteTimeoutMs: 120_000 });
  });
  afterAll(() => gw.close());

  it('answers a healthy model while 300 requests hang on the same connection', { timeout: 60_000 }, async () => {
    const hanging = Array.from({ length: 300 }, () => new AbortController());
    const settled = hanging.map((controller) =>
      post(gw, '/chat/completions', chatBody('stuck'), controller.signal).catch(() => undefined),
    );
    try {
      const arrived = () => gw.fake.requests.filter((r) => r.json?.model === 'hang-model');
      // A fixed pool of N sockets lets only N of them reach the upstream; the rest queue in vmx.
      await eventually(() => arrived().length >= 300, 20_000);

      const response = await post(gw, '/chat/completions', chatBody('chat'), AbortSignal.timeout(15_000));
      expect(response.status).toBe(200);
      const answer = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      expect(answer.choices[0]!.message.content).toBe('Hello from fake model fake-model');
      // Still hanging when the healthy answer came: it did not just get through after they gave up.
      expect(arrived().filter((r) => r.closedAt !== undefined)).toEqual([]);
    } finally {
      for (const controller of hanging) controller.abort();
      await Promise.all(settled);
    }
  });
});

describeEachGateway('the idle gap ends a silent answer', (backend) => {
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  let bedrock: FakeBedrock;
  let stalling: Server;
  let stallingUrl: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startGateway({ backend });
    anthropic = await startFakeAnthropic();
    bedrock = await startFakeBedrock();
    // Headers and the start of a JSON answer, then nothing: a body that goes silent half-way.
    stalling = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"id":"chatcmpl-stall","object":"chat.completion","choices":[');
      });
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    stallingUrl = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;

    const env = gw.env.environmentId;
    // 300 ms of silence is the limit everywhere; the first byte may take long.
    const timeouts = { firstByteTimeoutMs: 30_000, idleTimeoutMs: 300 };
    const add = async (
      name: string,
      provider: string,
      config: Record<string, unknown>,
      secret: Record<string, string>,
      model: string,
    ) => {
      const connection = await gw.repos.connections.create({
        environmentId: env,
        name,
        provider,
        config: { ...config, ...timeouts },
        capacity: [],
        user: 'alice',
      });
      if (Object.keys(secret).length > 0) await gw.writeSecret(connection.id, secret);
      await gw.repos.resources.create(
        env,
        singleModelResource(`r-${name}`, { connectionId: connection.id, model }),
        'alice',
      );
      ids[name] = connection.id;
    };
    await add('claude', 'anthropic', { baseUrl: anthropic.url }, { apiKey: 'sk-ant-test-123456' }, 'claude-sonnet-4-5');
    await add(
      'bedrock',
      'aws-bedrock',
      { baseUrl: bedrock.url, region: 'us-east-1' },
      { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test-key' },
      'anthropic.claude-3-haiku-20240307-v1:0',
    );
    await add(
      'bedrock-converse',
      'aws-bedrock',
      { baseUrl: bedrock.url, region: 'us-east-1' },
      { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test-key' },
      'amazon.nova-lite-v1:0',
    );
    await add('stall-openai', 'openai-compatible', { baseUrl: `${stallingUrl}/v1` }, {}, 'fake-model');
    await add(
      'stall-claude',
      'anthropic',
      { baseUrl: stallingUrl },
      { apiKey: 'sk-ant-test-123456' },
      'claude-sonnet-4-5',
    );
    await configure(gw, gw.env.connectionId, timeouts);
  });
  afterEach(() => {
    gw.fake.reset();
    anthropic.reset();
    bedrock.reset();
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
    await bedrock.close();
    stalling.closeAllConnections();
    await new Promise((resolve) => stalling.close(resolve));
  });

  // The fakes pause 3 s between events: far beyond the 300 ms idle gap, and short enough that a stream
  // left running ends with its terminal event (and fails the assertion) before the test's deadline.
  const PAUSE_MS = 3_000;

  it.each([
    {
      upstream: 'OpenAI',
      path: '/chat/completions',
      body: chatBody('chat', true),
      terminal: '[DONE]',
      error: /^data: \{"error":\{.*silent/m,
    },
    {
      upstream: 'Anthropic (SDK)',
      path: '/anthropic/v1/messages',
      body: messagesBody('r-claude', true),
      terminal: 'message_stop',
      error: /^event: error\ndata: .*silent/m,
    },
    {
      upstream: 'Bedrock InvokeModel (SDK)',
      path: '/anthropic/v1/messages',
      body: messagesBody('r-bedrock', true),
      terminal: 'message_stop',
      error: /^event: error\ndata: .*silent/m,
    },
    {
      upstream: 'Bedrock ConverseStream (SDK)',
      path: '/chat/completions',
      body: chatBody('r-bedrock-converse', true),
      terminal: '[DONE]',
      error: /^data: \{"error":\{.*silent/m,
    },
  ])(
    '$upstream: a stream silent mid-way ends with the error event',
    { timeout: 60_000 },
    async ({ upstream, path, body, terminal, error }) => {
      const slow = { kind: 'reply', text: 'one two three four', chunks: 2, chunkDelayMs: PAUSE_MS } as const;
      if (upstream === 'OpenAI') gw.fake.enqueue(slow);
      else if (upstream.startsWith('Anthropic')) anthropic.enqueue(slow);
      else bedrock.enqueue(slow);
      const response = await post(gw, path, body);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toMatch(error);
      expect(text).not.toContain(terminal);
    },
  );

  it.each([
    { upstream: 'OpenAI-compatible', path: '/chat/completions', body: chatBody('r-stall-openai') },
    { upstream: 'Anthropic (SDK)', path: '/anthropic/v1/messages', body: messagesBody('r-stall-claude') },
  ])('$upstream: a JSON answer silent half-way is a 504', { timeout: 30_000 }, async ({ path, body }) => {
    const response = await post(gw, path, body);
    expect(response.status).toBe(504);
    expect(await response.text()).toContain('silent');
  });
});

describeEachGateway('extra headers (--header) come from the credential store', (backend) => {
  const HEADER_SECRET = 'azure-header-secret-3f9a1c7e';
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ backend });
  });
  afterAll(() => gw.close());

  async function expectSentAndBlanked(): Promise<void> {
    const ok = await post(gw, '/chat/completions', chatBody('chat'));
    expect(ok.status).toBe(200);
    expect(gw.fake.requests.at(-1)!.headers['api-key']).toBe(HEADER_SECRET);
    gw.fake.enqueue({
      kind: 'error',
      status: 401,
      body: { error: { message: `Access denied due to invalid subscription key ${HEADER_SECRET}` } },
    });
    const failed = await post(gw, '/chat/completions', chatBody('chat'));
    expect(failed.status).toBe(401);
    const text = await failed.text();
    expect(text).toContain('invalid subscription key ********');
    expect(text).not.toContain(HEADER_SECRET);
  }

  it('sends the value of a header kept in the credential store, and blanks it where the provider echoes it', async () => {
    await gw.writeSecret(gw.env.connectionId, { apiKey: UPSTREAM_SECRET, 'header:api-key': HEADER_SECRET });
    await configure(gw, gw.env.connectionId, { headers: ['api-key'] });
    await expectSentAndBlanked();
  });

  it('are sent by the Anthropic and Bedrock adapters too', async () => {
    const anthropic = await startFakeAnthropic();
    const bedrock = await startFakeBedrock();
    try {
      const env = gw.env.environmentId;
      const add = async (
        name: string,
        provider: string,
        config: Record<string, unknown>,
        secret: Record<string, string>,
        model: string,
      ) => {
        const connection = await gw.repos.connections.create({
          environmentId: env,
          name,
          provider,
          config: { ...config, headers: ['X-Proxy-Auth'] },
          capacity: [],
          user: 'alice',
        });
        await gw.writeSecret(connection.id, { ...secret, 'header:X-Proxy-Auth': HEADER_SECRET });
        await gw.repos.resources.create(
          env,
          singleModelResource(`r-${name}`, { connectionId: connection.id, model }),
          'alice',
        );
      };
      await add(
        'claude',
        'anthropic',
        { baseUrl: anthropic.url },
        { apiKey: 'sk-ant-test-123456' },
        'claude-sonnet-4-5',
      );
      await add(
        'bedrock',
        'aws-bedrock',
        { baseUrl: bedrock.url, region: 'us-east-1' },
        { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test-key' },
        'amazon.nova-lite-v1:0',
      );
      expect((await post(gw, '/anthropic/v1/messages', messagesBody('r-claude'))).status).toBe(200);
      expect(anthropic.requests.at(-1)!.headers['x-proxy-auth']).toBe(HEADER_SECRET);
      expect((await post(gw, '/chat/completions', chatBody('r-bedrock'))).status).toBe(200);
      expect(bedrock.requests.at(-1)!.headers['x-proxy-auth']).toBe(HEADER_SECRET);
    } finally {
      await anthropic.close();
      await bedrock.close();
    }
  });

  it('still sends (and blanks) a value an older vmx stored in the config', async () => {
    await gw.writeSecret(gw.env.connectionId, { apiKey: UPSTREAM_SECRET });
    await configure(gw, gw.env.connectionId, { headers: { 'api-key': HEADER_SECRET } });
    await expectSentAndBlanked();
  });
});
