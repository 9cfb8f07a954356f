import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigCache } from '../../src/daemon/config-cache.js';
import { writeBatch } from '../../src/daemon/pipeline/record/batch.js';
import { ConnectionSecrets, FileStore } from '../../src/store/credentials/index.js';
import { openStore, type Store } from '../../src/store/open.js';
import { emptyBatch } from '../../src/store/record-batch.js';
import { tempHome } from '../helpers/temp-home.js';

describe('the embedded configuration cache', () => {
  const open: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const item of open.splice(0).reverse()) item.close();
  });

  function setup() {
    const home = tempHome();
    const path = join(home, 'vmx.db');
    const daemon = openStore(path);
    // Another connection to the same file: the writer thread, or a CLI in another process.
    const other = openStore(path);
    // Polled by hand here (the timer's first tick is an hour away).
    const config = new ConfigCache(
      daemon,
      new ConnectionSecrets(new FileStore(home), {}),
      pino({ enabled: false }),
      3_600_000,
    );
    open.push(daemon, other, { close: () => config.stop() });
    return { other, config };
  }

  const recordBatch = (store: Store) => {
    const batch = emptyBatch();
    batch.audit.push({
      requestId: `r-${Math.random()}`,
      at: Date.now(),
      workspaceId: null,
      environmentId: null,
      keyId: null,
      resource: null,
      route: 'chat',
      stream: false,
      status: 401,
      error: 'no key',
      events: [],
      timings: {},
      requestBody: null,
      responseBody: null,
      correlationId: null,
      durationMs: 1,
    });
    writeBatch(store, batch);
  };

  it('keeps its snapshot while only records are written, and reloads when the configuration changes', () => {
    const { other, config } = setup();
    const before = config.snapshot();
    recordBatch(other);
    recordBatch(other);
    expect(config.poll()).toBe(false);
    expect(config.snapshot()).toBe(before);

    const workspace = other.workspaces.create({ name: 'acme', user: 'alice' });
    other.environments.create({ workspaceId: workspace.id, workspaceName: 'acme', name: 'dev', user: 'alice' });
    expect(config.poll()).toBe(true);
    expect(config.snapshot().environment('acme', 'dev')).toBeDefined();

    recordBatch(other);
    expect(config.poll()).toBe(false);
  });

  it('names the providers its connections use, at start and after each reload', () => {
    const { other, config } = setup();
    const seen: string[][] = [];
    config.onLoad((snapshot) => seen.push([...snapshot.providers].sort()));
    expect(seen).toEqual([[]]);

    const workspace = other.workspaces.create({ name: 'acme', user: 'alice' });
    const env = other.environments.create({
      workspaceId: workspace.id,
      workspaceName: 'acme',
      name: 'dev',
      user: 'alice',
    });
    for (const [name, provider] of [
      ['up', 'openai-compatible'],
      ['claude', 'anthropic'],
    ] as const)
      other.connections.create({
        environmentId: env.id,
        name,
        provider,
        config: { baseUrl: 'http://127.0.0.1:9' },
        capacity: [],
        user: 'alice',
      });
    expect(config.poll()).toBe(true);
    expect(seen).toEqual([[], ['anthropic', 'openai-compatible']]);

    recordBatch(other);
    expect(config.poll()).toBe(false);
    expect(seen).toHaveLength(2);
  });
});
