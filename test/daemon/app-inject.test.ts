import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/daemon/app.js';
import { ConfigCache } from '../../src/daemon/config-cache.js';
import { createGateway } from '../../src/daemon/gateway.js';
import type { RecordBatch } from '../../src/daemon/pipeline/record/batch.js';
import { DaemonStatus } from '../../src/daemon/status.js';
import { generateApiKey, hashApiKey, maskApiKey } from '../../src/gateway/key-material.js';
import { createAdapters } from '../../src/providers/adapters.js';
import { codecs } from '../../src/providers/dialects/index.js';
import { ConnectionSecrets, FileStore } from '../../src/store/credentials/index.js';
import { openStore, type Store } from '../../src/store/open.js';
import type { AuditRecord } from '../../src/store/repos/audit.js';
import { singleModelResource } from '../../src/store/repos/resources.js';
import type { UsageRecord } from '../../src/store/repos/usage.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { tempHome } from '../helpers/temp-home.js';

/**
 * buildApp(createGateway(…)) never listens: the whole request flow can be driven with fastify's
 * inject(), the records collected in memory instead of by the writer thread.
 */
describe('the app over a gateway, without a server', () => {
  let store: Store;
  let fake: FakeOpenAI;
  let config: ConfigCache;
  const key = generateApiKey();
  const rows: { usage: UsageRecord[]; audit: AuditRecord[] } = { usage: [], audit: [] };
  beforeAll(async () => {
    const home = tempHome();
    fake = await startFakeOpenAI();
    store = openStore(join(home, 'vmx.db'));
    const workspace = store.workspaces.create({ name: 'acme', user: 'alice' });
    const env = store.environments.create({
      workspaceId: workspace.id,
      workspaceName: 'acme',
      name: 'dev',
      user: 'alice',
    });
    const connection = store.connections.create({
      environmentId: env.id,
      name: 'up',
      provider: 'openai',
      config: { baseUrl: fake.url },
      capacity: [],
      user: 'alice',
    });
    const secrets = new ConnectionSecrets(new FileStore(home), {});
    secrets.write(connection.id, { apiKey: 'sk-inject' });
    store.resources.create(
      env.id,
      singleModelResource('chat', { connectionId: connection.id, model: 'fake-model' }),
      'alice',
    );
    store.apiKeys.create({
      environmentId: env.id,
      name: 'k',
      keyHash: hashApiKey(key),
      maskedKey: maskApiKey(key),
      resources: null,
      capacity: [],
      expiresAt: null,
      user: 'alice',
    });
    config = new ConfigCache(store, secrets, pino({ enabled: false }));
  });
  afterAll(async () => {
    config.stop();
    store.close();
    await fake.close();
  });

  it('answers a chat completion and records it', async () => {
    const sources: Array<(batch: RecordBatch) => void> = [];
    // Only the providers the configuration uses load their SDKs: here an OpenAI connection, no SDK.
    const { adapters } = createAdapters();
    const prepared: string[] = [];
    for (const [id, adapter] of Object.entries(adapters))
      if (adapter.prepare) adapter.prepare = () => void prepared.push(id);
    const gateway = createGateway({
      store,
      config,
      recorder: {
        alsoSend: (source) => sources.push(source),
        usage: (row) => rows.usage.push(row),
        audit: (row) => rows.audit.push(row),
      },
      logger: pino({ enabled: false }),
      status: new DaemonStatus(),
      version: 'test',
      adapters,
      codecs,
    });
    expect(prepared).toEqual([]);
    const app = await buildApp(gateway);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${key}` },
      payload: { model: 'chat', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ object: 'chat.completion', model: 'fake-model' });
    const requestId = response.headers['x-vmx-request-id'];
    expect(rows.usage).toEqual([expect.objectContaining({ requestId, status: 200, model: 'fake-model', final: true })]);
    expect(rows.audit).toEqual([expect.objectContaining({ requestId, status: 200, route: 'chat' })]);

    // The audit keeps the body as the client wrote it, spacing and key order included.
    const asSent = '{ "messages": [ { "role": "user", "content": "hi" } ],\n  "model": "chat" }';
    const second = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: asSent,
    });
    expect(second.statusCode).toBe(200);
    expect(rows.audit[1]).toMatchObject({ requestId: second.headers['x-vmx-request-id'], requestBody: asSent });
    await app.close();
  });
});
