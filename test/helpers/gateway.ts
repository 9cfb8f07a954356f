import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { PrunerOptions } from '../../src/daemon/pruner.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/server.js';
import type { StoreBackend } from '../../src/store/backend.js';
import type { Capacity } from '../../src/gateway/capacity/limits.js';
import { generateApiKey, hashApiKey, maskApiKey } from '../../src/gateway/key-material.js';
import type { Store } from '../../src/store/open.js';
import { singleModelResource } from '../../src/store/repos/resources.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeAnthropicOptions } from './fake-anthropic.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from './fake-openai.js';
import { openGatewayStore, type GatewayBackend, type GatewayStore } from './gateway-store.js';
import { cli, type CliResult } from './run-cli-in-process.js';
import { tempHome } from './temp-home.js';

export { eventually } from './eventually.js';

/** The provider secret of the test connection: it must never show up anywhere but the upstream request. */
export const UPSTREAM_SECRET = 'sk-upstream-secret-7c1d9e2f4a6b8d0e';
/** The secret of the Anthropic connection {@link addFakeAnthropic} makes. */
export const ANTHROPIC_SECRET = 'sk-ant-fake-secret-0123456789';

export interface TestGateway {
  home: string;
  /** The store the daemon runs on. */
  backend: GatewayBackend;
  /** The daemon's base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** OpenAI SDK base URL for acme/dev. */
  baseURL: string;
  fake: FakeOpenAI;
  /** The daemon's store through its repositories, as the CLI (of any machine) sees it. */
  repos: StoreBackend;
  /**
   * A second connection to the same SQLite file, for the tests about SQLite alone.
   * @throws on a shared store: a suite that runs on every backend uses {@link repos}.
   */
  readonly store: Store;
  env: { workspaceId: string; environmentId: string; connectionId: string; resourceId: string };
  /** An API key of acme/dev allowed to call everything. */
  key: string;
  daemon: RunningDaemon;
  /** Stops the daemon (flushing everything) and starts a new one on the same store. */
  restart(): Promise<void>;
  /** Creates another key in acme/dev (or another environment). */
  createKey(options?: {
    resources?: string[] | null;
    environmentId?: string;
    enabled?: boolean;
    expiresAt?: string | null;
    capacity?: Capacity[];
  }): Promise<string>;
  /**
   * Starts one more daemon on the same shared store, with a data dir of its own (another machine);
   * closed with the gateway.
   * @throws on SQLite: one data dir has one daemon.
   */
  startAnother(): Promise<RunningDaemon>;
  /** Stores a connection's provider secret where the daemon reads it (file store, or sealed in PostgreSQL). */
  writeSecret(connectionId: string, values: Record<string, string>): Promise<void>;
  /** The CLI (in process) on this gateway's data dir and store, as user alice unless told. */
  cli(
    args: string | string[],
    extra?: { user?: string; input?: string; env?: Record<string, string> },
  ): Promise<CliResult>;
  /** See {@link GatewayStore.counterUse}. */
  counterUse: GatewayStore['counterUse'];
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** The store it runs on; the embedded SQLite file unless given. */
  backend?: GatewayBackend;
  graceMs?: number;
  bodyLimit?: number;
  requestTimeoutMs?: number;
  inFlightBodyBytes?: number;
  /** Largest file `POST /v1/files` takes. */
  fileLimit?: number;
  clock?: () => number;
  retention?: PrunerOptions;
  fake?: FakeOpenAIOptions;
}

/** acme/dev with connection `up` (openai at `baseUrl`, its secret stored) and resource `chat` → up/fake-model. */
async function seed(opened: GatewayStore, baseUrl: string) {
  const repos = opened.repos;
  const workspace = await repos.workspaces.create({ name: 'acme', user: 'alice' });
  const environment = await repos.environments.create({
    workspaceId: workspace.id,
    workspaceName: 'acme',
    name: 'dev',
    user: 'alice',
  });
  const connection = await repos.connections.create({
    environmentId: environment.id,
    name: 'up',
    provider: 'openai',
    config: { baseUrl, firstByteTimeoutMs: 1500 },
    capacity: [],
    user: 'alice',
  });
  await opened.writeSecret(connection.id, { apiKey: UPSTREAM_SECRET });
  const resource = await repos.resources.create(
    environment.id,
    singleModelResource('chat', { connectionId: connection.id, model: 'fake-model' }),
    'alice',
  );
  return { workspace, environment, connection, resource };
}

/**
 * A real daemon (real fastify on a free port) on a real store — the SQLite file in a temp data dir by
 * default, or a fresh PostgreSQL schema (+ Redis) — in front of the fake OpenAI upstream, configured
 * by {@link seed}. On SQLite, secrets go to the 0600 file store in the data dir; on a shared store,
 * they are sealed with a key of the test's own.
 */
export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const home = tempHome();
  const fake = await startFakeOpenAI(options.fake);
  const opened = await openGatewayStore(options.backend ?? 'sqlite', home);
  const repos = opened.repos;
  const { workspace, environment, connection, resource } = await seed(opened, fake.url);
  const createKey: TestGateway['createKey'] = async (o = {}) => {
    const key = generateApiKey();
    const created = await repos.apiKeys.create({
      environmentId: o.environmentId ?? environment.id,
      name: `key-${Math.random().toString(36).slice(2, 10)}`,
      keyHash: hashApiKey(key),
      maskedKey: maskApiKey(key),
      resources: o.resources === undefined ? null : o.resources,
      capacity: o.capacity ?? [],
      expiresAt: o.expiresAt ?? null,
      user: 'alice',
    });
    if (o.enabled === false) await repos.apiKeys.setEnabled(created, false, 'alice');
    return key;
  };
  const key = await createKey();
  const others: RunningDaemon[] = [];
  const start = (port = 0, dataDir = home) =>
    startDaemon({
      home: dataDir,
      host: '127.0.0.1',
      port,
      graceMs: options.graceMs ?? 2000,
      bodyLimit: options.bodyLimit,
      requestTimeoutMs: options.requestTimeoutMs,
      inFlightBodyBytes: options.inFlightBodyBytes,
      fileLimit: options.fileLimit,
      stdout: 'none',
      clock: options.clock,
      retention: options.retention,
      ...opened.daemon,
    });
  const daemon = await start();
  const gateway: TestGateway = {
    home,
    backend: opened.backend,
    url: daemon.url,
    baseURL: `${daemon.url}/v1/completion/acme/dev`,
    fake,
    repos,
    get store(): Store {
      if (!opened.sqlite) throw new Error(`gw.store is the SQLite file; on ${opened.backend} use gw.repos`);
      return opened.sqlite;
    },
    env: {
      workspaceId: workspace.id,
      environmentId: environment.id,
      connectionId: connection.id,
      resourceId: resource.id,
    },
    key,
    daemon,
    createKey,
    writeSecret: opened.writeSecret,
    counterUse: opened.counterUse,
    cli: (args, extra = {}) => cli(home)(args, { ...extra, env: { ...opened.cliEnv, ...extra.env } }),
    async startAnother() {
      if (opened.sqlite) throw new Error('another daemon needs a shared store');
      const other = await start(0, tempHome());
      others.push(other);
      return other;
    },
    async restart() {
      await gateway.daemon.close('restart');
      gateway.daemon = await start(gateway.daemon.port);
    },
    async close() {
      for (const other of others.splice(0)) await other.close('test');
      await gateway.daemon.close('test');
      await fake.close();
      await opened.close();
    },
  };
  return gateway;
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
  const connection = await gw.repos.connections.create({
    environmentId: env,
    name: 'claude',
    provider: 'anthropic',
    config: { baseUrl: fake.url },
    capacity: [],
    user: 'alice',
  });
  await gw.writeSecret(connection.id, { apiKey: ANTHROPIC_SECRET });
  const resource = await gw.repos.resources.create(
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
export function gatewayWithAnthropic(backend: GatewayBackend = 'sqlite'): {
  readonly gw: TestGateway;
  readonly anthropic: FakeAnthropic;
} {
  const state = {} as { gw: TestGateway; anthropic: FakeAnthropic };
  beforeAll(async () => {
    state.gw = await startGateway({ backend });
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
