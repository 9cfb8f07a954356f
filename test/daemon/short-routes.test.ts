import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { singleModelResource } from '../../src/store/repos/resources.js';
import type { FakeAnthropic } from '../helpers/fake-anthropic.js';
import { addFakeAnthropic, startGateway, type TestGateway } from '../helpers/gateway.js';
import { describeEachGateway } from '../helpers/gateway-store.js';

/**
 * Drop-in base URLs (HTTP.md "Routes"): `OPENAI_BASE_URL=http://127.0.0.1:PORT/v1` and
 * `ANTHROPIC_BASE_URL=http://127.0.0.1:PORT` work with a vmx key, which names its environment; other
 * paths answer 404/405 in the dialect's error shape naming the real routes; a key works the moment
 * `vmx key create` returns.
 */

describeEachGateway('short routes, unknown routes and keys that work at once', (backend) => {
  let gw: TestGateway;
  let anthropic: FakeAnthropic;
  /** A key of acme/dev allowed only `chat` and `sonnet`. */
  let limitedKey: string;
  beforeAll(async () => {
    gw = await startGateway({ backend });
    const claude = await addFakeAnthropic(gw);
    anthropic = claude.fake;
    await gw.repos.resources.create(
      gw.env.environmentId,
      singleModelResource('hidden', { connectionId: gw.env.connectionId, model: 'fake-model' }),
      't',
    );
    limitedKey = await gw.createKey({ resources: [gw.env.resourceId, claude.resourceId] });
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
  });

  it('the OpenAI SDK at <daemon>/v1: chat, a chat stream, responses, and models.list() of the key’s resources', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: limitedKey, maxRetries: 0 });
    const chat = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.choices[0]!.message.content).toContain('fake-model');
    const stream = await client.chat.completions.create({
      model: 'sonnet',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('claude-sonnet-4-5');
    const response = await client.responses.create({ model: 'chat', input: 'hi' });
    expect(response.output_text).toContain('fake-model');
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['chat', 'sonnet']);
  });

  it('the Anthropic SDK at <daemon>: messages, a stream, count_tokens and models.list()', async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
    const message = await client.messages.create({
      model: 'sonnet',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    const streamed = await client.messages
      .stream({ model: 'chat', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(streamed.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('fake-model') });
    const counted = await client.messages.countTokens({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['chat', 'hidden', 'sonnet']);
  });

  it('a short route acts in the key’s environment; an unknown key is a 401 in the route’s dialect', async () => {
    const other = await gw.repos.environments.create({
      workspaceId: gw.env.workspaceId,
      workspaceName: 'acme',
      name: 'prod',
      user: 'alice',
    });
    const prodKey = await gw.createKey({ environmentId: other.id });
    const prod = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: prodKey, maxRetries: 0 });
    await expect(
      prod.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    });
    const stranger = new Anthropic({ baseURL: gw.url, apiKey: 'vmx_not_a_key', maxRetries: 0 });
    const error = await stranger.messages
      .create({ model: 'chat', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
  });

  it('unknown paths answer 404 and wrong methods 405, in the dialect’s shape, naming the real routes', async () => {
    const ask = async (method: string, path: string) => {
      const response = await fetch(`${gw.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${gw.key}` },
        body: method === 'GET' ? undefined : '{}',
      });
      return { status: response.status, allow: response.headers.get('allow'), body: (await response.json()) as any };
    };
    const root = await ask('GET', '/');
    expect(root.status).toBe(404);
    expect(root.body.error).toMatchObject({ type: 'not_found_error', code: 'not_found', param: null });
    expect(root.body.error.message).toContain('POST /v1/chat/completions');
    expect(root.body.error.message).toContain('POST /v1/completion/{workspace}/{environment}/responses');
    expect(root.body.error.message).toContain('GET /v1/models');

    const typo = await ask('POST', '/v1/chat/completion');
    expect(typo.status).toBe(404);
    expect(typo.body.error.message).toMatch(/^no route POST \/v1\/chat\/completion; the routes are: /);

    const wrongMethod = await ask('GET', '/v1/chat/completions');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.allow).toBe('POST');
    expect(wrongMethod.body.error).toMatchObject({
      code: 'method_not_allowed',
      message: 'GET is not allowed on /v1/chat/completions (use POST)',
    });

    const anthropicPath = await ask('POST', '/v1/messages/batches');
    expect(anthropicPath.status).toBe(404);
    expect(anthropicPath.body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    const fullAnthropic = await ask('GET', '/v1/completion/acme/dev/anthropic/v1/messages');
    expect(fullAnthropic.status).toBe(405);
    expect(fullAnthropic.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('a key made by `vmx key create` works on the very next request, 20 times of 20', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await gw.cli(['key', 'create', `fresh-${i}`, '-w', 'acme', '-e', 'dev', '--json']);
      expect(created.code, created.stderr).toBe(0);
      const response = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.json<{ key: string }>().key}` },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await response.text();
      statuses.push(response.status);
    }
    expect(statuses).toEqual(Array(20).fill(200));
  }, 60_000);

  it('a resource made a moment ago is found, not 404', async () => {
    await gw.repos.resources.create(
      gw.env.environmentId,
      singleModelResource('brand-new', { connectionId: gw.env.connectionId, model: 'fake-model' }),
      't',
    );
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ model: 'brand-new', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.text();
    expect(response.status).toBe(200);
  });
});
