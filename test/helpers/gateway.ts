import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { PrunerOptions } from '../../src/daemon/pruner.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/server.js';
import { ConnectionSecrets, FileStore } from '../../src/store/credentials/index.js';
import { generateApiKey, hashApiKey, maskApiKey } from '../../src/gateway/key-material.js';
import { openStore, type Store } from '../../src/store/open.js';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeAnthropicOptions } from './fake-anthropic.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from './fake-openai.js';
import { tempHome } from './temp-home.js';

/** The provider secret of the test connection: it must never show up anywhere but the upstream request. */
export const UPSTREAM_SECRET = 'sk-upstream-secret-7c1d9e2f4a6b8d0e';
/** The secret of the Anthropic connection {@link addFakeAnthropic} makes. */
export const ANTHROPIC_SECRET = 'sk-ant-fake-secret-0123456789';

export interface TestGateway {
  home: string;
  /** The daemon's base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** OpenAI SDK base URL for acme/dev. */
  baseURL: string;
  fake: FakeOpenAI;
  /** A second connection to the same SQLite file, as the CLI would have. */
  store: Store;
  env: { workspaceId: string; environmentId: string; connectionId: string; resourceId: string };
  /** An API key of acme/dev allowed to call everything. */
  key: string;
  daemon: RunningDaemon;
  /** Stops the daemon (flushing everything) and starts a new one on the same data dir. */
  restart(): Promise<void>;
  /** Creates another key in acme/dev (or another environment). */
  createKey(options?: {
    resources?: string[] | null;
    environmentId?: string;
    enabled?: boolean;
    expiresAt?: string | null;
  }): string;
  close(): Promise<void>;
}

/**
 * A real daemon (real SQLite file, real fastify on a free port) in front of the fake OpenAI upstream,
 * configured as acme/dev with connection `up` (provider openai, base URL = the fake) and resource
 * `chat` → up/fake-model. Secrets go to the 0600 file store in the temp data dir.
 */
export async function startGateway(
  options: {
    graceMs?: number;
    bodyLimit?: number;
    requestTimeoutMs?: number;
    inFlightBodyBytes?: number;
    clock?: () => number;
    retention?: PrunerOptions;
    fake?: FakeOpenAIOptions;
  } = {},
): Promise<TestGateway> {
  const home = tempHome();
  const fake = await startFakeOpenAI(options.fake);
  const store = openStore(join(home, 'vmx.db'));
  const workspace = store.workspaces.create({ name: 'acme', user: 'alice' });
  const environment = store.environments.create({
    workspaceId: workspace.id,
    workspaceName: 'acme',
    name: 'dev',
    user: 'alice',
  });
  const connection = store.connections.create({
    environmentId: environment.id,
    name: 'up',
    provider: 'openai',
    config: { baseUrl: fake.url, firstByteTimeoutMs: 1500 },
    capacity: [],
    user: 'alice',
  });
  new ConnectionSecrets(new FileStore(home), {}).write(connection.id, { apiKey: UPSTREAM_SECRET });
  const resource = store.resources.create(
    environment.id,
    singleModelResource('chat', { connectionId: connection.id, model: 'fake-model' }),
    'alice',
  );
  const createKey: TestGateway['createKey'] = (o = {}) => {
    const key = generateApiKey();
    const created = store.apiKeys.create({
      environmentId: o.environmentId ?? environment.id,
      name: `key-${Math.random().toString(36).slice(2, 10)}`,
      keyHash: hashApiKey(key),
      maskedKey: maskApiKey(key),
      resources: o.resources === undefined ? null : o.resources,
      capacity: [],
      expiresAt: o.expiresAt ?? null,
      user: 'alice',
    });
    if (o.enabled === false) store.apiKeys.setEnabled(created, false, 'alice');
    return key;
  };
  const key = createKey();
  const start = (port = 0) =>
    startDaemon({
      home,
      host: '127.0.0.1',
      port,
      graceMs: options.graceMs ?? 2000,
      bodyLimit: options.bodyLimit,
      requestTimeoutMs: options.requestTimeoutMs,
      inFlightBodyBytes: options.inFlightBodyBytes,
      stdout: 'none',
      env: { VMX_CREDENTIAL_STORE: 'file' },
      clock: options.clock,
      retention: options.retention,
    });
  const daemon = await start();
  const gateway: TestGateway = {
    home,
    url: daemon.url,
    baseURL: `${daemon.url}/v1/completion/acme/dev`,
    fake,
    store,
    env: {
      workspaceId: workspace.id,
      environmentId: environment.id,
      connectionId: connection.id,
      resourceId: resource.id,
    },
    key,
    daemon,
    createKey,
    async restart() {
      await gateway.daemon.close('restart');
      gateway.daemon = await start(gateway.daemon.port);
    },
    async close() {
      await gateway.daemon.close('test');
      await fake.close();
      store.close();
    },
  };
  return gateway;
}

/** Polls until `check` returns a value; the deadline only keeps a broken build from hanging (a loaded machine is slow). */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A fake Anthropic upstream behind connection `claude` of acme/dev (its secret in the file store) and
 * resource `sonnet` → claude/claude-sonnet-4-5. The daemon finds both on the next request.
 */
export async function addFakeAnthropic(
  gw: TestGateway,
  options?: FakeAnthropicOptions,
): Promise<{ fake: FakeAnthropic; connectionId: string; resourceId: string }> {
  const fake = await startFakeAnthropic(options);
  const env = gw.env.environmentId;
  const connection = gw.store.connections.create({
    environmentId: env,
    name: 'claude',
    provider: 'anthropic',
    config: { baseUrl: fake.url },
    capacity: [],
    user: 'alice',
  });
  new ConnectionSecrets(new FileStore(gw.home), {}).write(connection.id, { apiKey: ANTHROPIC_SECRET });
  const resource = gw.store.resources.create(
    env,
    singleModelResource('sonnet', { connectionId: connection.id, model: 'claude-sonnet-4-5' }),
    'alice',
  );
  return { fake, connectionId: connection.id, resourceId: resource.id };
}

/**
 * For a describe block: a gateway with a fake Anthropic behind it ({@link addFakeAnthropic}), started
 * once and closed after; both fakes are reset before each test. Read `gw` and `anthropic` inside tests.
 */
export function gatewayWithAnthropic(): { readonly gw: TestGateway; readonly anthropic: FakeAnthropic } {
  const state = {} as { gw: TestGateway; anthropic: FakeAnthropic };
  beforeAll(async () => {
    state.gw = await startGateway();
    state.anthropic = (await addFakeAnthropic(state.gw)).fake;
  });
  afterAll(async () => {
    await state.gw?.close();
    await state.anthropic?.close();
  });
  beforeEach(() => {
    state.gw.fake.reset();
    state.anthropic.reset();
  });
  return state;
}
