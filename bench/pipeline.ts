import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Metrics } from '../src/daemon/metrics.js';
import { CapacityGate, type LimitSet } from '../src/gateway/capacity/gate.js';
import { MemoryCounters } from '../src/gateway/capacity/memory-counters.js';
import { Exchange } from '../src/daemon/pipeline/exchange.js';
import { ExchangeRecorder } from '../src/daemon/pipeline/record/exchange-recorder.js';
import { emptyBatch, writeBatch } from '../src/daemon/pipeline/record/batch.js';
import { DaemonStatus } from '../src/daemon/status.js';
import { Pricer } from '../src/pricing/cost.js';
import { openStore } from '../src/store/open.js';
import { route } from '../src/daemon/pipeline/route.js';
import type { EnvironmentConfig } from '../src/daemon/config-cache.js';
import type { Connection } from '../src/store/repos/connections.js';
import type { Resource } from '../src/store/repos/resources.js';
import { ErrorRates } from '../src/gateway/health/error-rates.js';
import { parseRule, resolveRouting } from '../src/gateway/routing/index.js';
import { estimateInputTokens } from '../src/gateway/estimate/token-estimate.js';

/**
 * In-process cost of the gateway's decisions for one request, without any network: routing over three
 * rules, the fallback chain, capacity admission at key, resource and connection level, and the token
 * reconciliation — the work a configured resource adds over a plain one. Also the token estimate of a
 * 1 KB English prompt, and what recording a finished request costs. `node --import tsx bench/pipeline.ts`
 */
const connection = {
  id: 'c1',
  name: 'limited',
  provider: 'openai-compatible',
  capacity: [
    { period: 'minute', requests: 1e8 },
    { period: 'day', tokens: 1e9 },
  ],
} as unknown as Connection;
const other = { id: 'c2', name: 'up', provider: 'openai-compatible', capacity: [] } as unknown as Connection;
const env = {
  connections: new Map([
    [connection.id, connection],
    [other.id, other],
  ]),
  resources: new Map<string, Resource>(),
} as unknown as EnvironmentConfig;
const rules = [
  'request.toolsCount > 0 -> up/tools-model',
  'request.lastMessage.content contains "urgent" -> up/urgent-model',
  'errorRate(5) > 50 -> up/steady-model',
];
const routing = resolveRouting({ enabled: true, conditions: rules.map((rule) => parseRule(rule)) }, (ref) =>
  [connection, other].find((c) => c.name === ref || c.id === ref),
);
const resource = {
  id: 'r1',
  name: 'configured',
  model: { connectionId: 'c1', model: 'fake-model' },
  fallbackModels: [{ connectionId: 'c2', model: 'fake-model' }],
  useFallback: true,
  routing,
  capacity: [{ period: 'minute', requests: 1e8 }],
  enforceCapacity: true,
} as unknown as Resource;
env.resources.set(resource.name, resource);
const rates = new ErrorRates();
const hooks = {
  errorRate: (r: Resource, t: { connectionId: string; model: string }, w: number, s?: number) =>
    rates.rate(r.id, t.connectionId, t.model, w, s),
  random: Math.random,
};
const counters = new MemoryCounters();
const gate = new CapacityGate(counters);
const limits: LimitSet[] = [
  {
    level: 'key',
    id: 'k1',
    name: 'limited',
    limits: [
      { period: 'minute', requests: 1e8 },
      { period: 'day', tokens: 1e9 },
    ],
  },
  { level: 'resource', id: 'r1', name: 'configured', limits: resource.capacity },
  { level: 'connection', id: connection.id, name: connection.name, limits: connection.capacity },
];
const body = { model: 'configured', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }] };

function decide(): number {
  let estimate: number | undefined;
  const tokens = () => (estimate ??= estimateInputTokens(body));
  const { chain } = route(env, resource, body, 'openai-chat', hooks, tokens);
  const admission = gate.admit(limits, tokens());
  if ('counters' in admission) gate.reconcile(admission, 20);
  counters.takeDirty();
  return chain.length;
}

const prompt =
  'Routing rules look at the request itself: how long the prompt is, whether tools are attached, what the last message says. '
    .repeat(9)
    .slice(0, 1024);
const measure = (label: string, run: (i: number) => unknown, n: number) => {
  for (let i = 0; i < n / 4; i++) run(i);
  const start = performance.now();
  for (let i = 0; i < n; i++) run(i);
  process.stdout.write(`${label.padEnd(70)} ${(((performance.now() - start) / n) * 1000).toFixed(1)} µs\n`);
};
measure('routing (3 rules) + chain + capacity at 3 levels + reconcile, per request', decide, 50_000);
measure(
  'token estimate of a 1 KB English prompt (o200k), per prompt',
  (i) => estimateInputTokens({ messages: [{ role: 'user', content: `${prompt}${i}` }] }),
  5_000,
);

// Recording one finished request: its usage row priced, metrics and live counters, then its share of
// the batched write (usage row + hourly roll-up + audit row) that the daemon's writer thread makes
// every 50 ms — here on this thread, so that its cost shows.
const home = mkdtempSync(join(tmpdir(), 'vmx-bench-'));
const store = openStore(join(home, 'vmx.db'));
let batch = emptyBatch();
const recorder = {
  usage: (row: (typeof batch.usage)[number]) => batch.usage.push(row),
  audit: (row: (typeof batch.audit)[number]) => batch.audit.push(row),
};
const pricer = new Pricer();
const exchanges = new ExchangeRecorder(
  recorder,
  new Metrics(),
  new DaemonStatus(),
  32 * 1024,
  rates,
  (attempt) =>
    pricer.cost({ provider: 'openai', model: attempt.model!, at: attempt.at, tokens: attempt, overrides: [] }).nanoUsd,
  // The request's log line, written as the daemon writes its log file.
  pino(pino.destination({ dest: join(home, 'vmx.log'), sync: false })),
);
const recordedEnv = {
  workspace: { id: 'w1' },
  environment: { id: 'e1' },
  connections: env.connections,
  resources: env.resources,
} as unknown as EnvironmentConfig;
const finished = (i: number) => {
  const exchange = new Exchange('openai-chat');
  exchange.env = recordedEnv;
  exchange.resource = 'configured';
  exchange.requestBody = body;
  exchange.status = 200;
  exchange.usage({
    connectionId: 'c1',
    provider: 'openai',
    model: 'gpt-4o-mini',
    status: 200,
    error: null,
    inputTokens: 20 + (i % 7),
    outputTokens: 9,
    totalTokens: 29 + (i % 7),
    cachedTokens: 0,
  });
  exchanges.start();
  exchanges.finish(exchange);
  // A batch of 50, the size the daemon writes at ~1,000 requests a second.
  if (i % 50 === 49) {
    writeBatch(store, batch);
    batch = emptyBatch();
  }
};
measure('recording: usage row priced, metrics, audit row, batched write, per request', finished, 20_000);
store.close();
rmSync(home, { recursive: true, force: true });
