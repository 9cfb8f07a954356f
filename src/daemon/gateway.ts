import type { Logger } from 'pino';
import { CapacityGate, type CounterRow } from '../gateway/capacity/gate.js';
import type { CounterStore } from '../gateway/capacity/counter-store.js';
import { MemoryCounters } from '../gateway/capacity/memory-counters.js';
import { ErrorRates } from '../gateway/health/error-rates.js';
import { PoolGate } from '../gateway/pools/gate.js';
import { MemoryPoolStates, type PoolStateStore } from '../gateway/pools/state-store.js';
import { Pricer } from '../pricing/cost.js';
import type { DialectCodec } from '../providers/pivot.js';
import type { Dialect, ProviderId } from '../providers/registry.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { Store } from '../store/open.js';
import type { LiveConfig } from './config-snapshot.js';
import { Metrics } from './metrics.js';
import type { ChargeJournal } from './pipeline/record/charge-journal.js';
import { DiscoveredCapacityTracker } from './pipeline/record/discovered-capacity.js';
import { ExchangeRecorder, type CostOf } from './pipeline/record/exchange-recorder.js';
import type { Recorder } from './pipeline/record/recorder.js';
import type { CompletionDeps } from './pipeline/respond/completion.js';
import type { RoutingHooks } from './pipeline/route.js';
import type { DaemonStatus } from './status.js';

/** What the gateway is built from; server.ts passes the real ones, tests may pass their own. */
export interface GatewayDeps {
  /** The embedded store: where in-memory counters and error rates start from (unless given below). */
  store?: Store;
  config: LiveConfig;
  /** Where finished requests' rows go (the writer thread; tests may collect them in memory). */
  recorder: Pick<Recorder, 'alsoSend' | 'usage' | 'audit'>;
  logger: Logger;
  status: DaemonStatus;
  version: string;
  adapters: Partial<Record<string, ProviderAdapter>>;
  /** Dialect codecs for conversions (providers/dialects). */
  codecs: Partial<Record<Dialect, DialectCodec>>;
  metrics?: Metrics;
  /** Request and response bodies kept in audit rows are cut at this many characters (default 32 KiB). */
  auditBodyLimit?: number;
  /** Prices of attempts (default: the catalog plus each connection's overrides). */
  pricer?: Pricer;
  /** The time capacity windows and error rates are computed in (tests move it). */
  clock?: () => number;
  /** Capacity counters to start from (default: the store's), and the journal their changes go to first. */
  counters?: CounterRow[];
  journal?: ChargeJournal;
  /** Counters shared with other daemons (Redis, PostgreSQL); default: in memory, as above. */
  counterStore?: CounterStore;
  /** Error rates shared with other daemons; default: in memory, rebuilt from the store's attempts. */
  errorRates?: ErrorRates;
  /** Pool allocations shared with other daemons; default: in memory, carried on from the store. */
  poolStates?: PoolStateStore;
}

/** The gateway's parts, built once: what the routes serve requests with. */
export interface Gateway {
  config: LiveConfig;
  recorder: ExchangeRecorder;
  routing: RoutingHooks;
  completion: CompletionDeps;
  logger: Logger;
  metrics: Metrics;
  status: DaemonStatus;
  version: string;
}

/**
 * The composition root: the capacity gate (counters carried on from the store and the journal), error
 * rates (rebuilt from recorded attempts), discovered capacity, pricing and the recorder they all feed.
 * A restart resets neither counters nor error rates.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const metrics = deps.metrics ?? new Metrics();
  const auditBodyLimit = deps.auditBodyLimit ?? 32 * 1024;
  const clock = deps.clock ?? Date.now;
  const gate = new CapacityGate(deps.counterStore ?? memoryCounters(deps), clock, (error) =>
    deps.logger.warn({ err: error }, 'capacity counters'),
  );
  const pools = new PoolGate(deps.poolStates ?? memoryPoolStates(deps), clock, (error) =>
    deps.logger.warn({ err: error }, 'pool state'),
  );
  const errorRates =
    deps.errorRates ?? ErrorRates.fromHistory(clock, (since) => deps.store?.usage.attemptsSince(since) ?? []);
  // A provider's SDK loads once a connection uses it (at start or on the reload that adds it).
  deps.config.onLoad((snapshot) => {
    for (const provider of snapshot.providers) deps.adapters[provider]?.prepare?.();
  });
  const discovered = new DiscoveredCapacityTracker();
  deps.recorder.alsoSend(discovered.take);
  const recorder = new ExchangeRecorder(
    deps.recorder,
    metrics,
    deps.status,
    auditBodyLimit,
    errorRates,
    costOfAttempts(deps.pricer ?? new Pricer()),
    deps.logger,
  );
  return {
    config: deps.config,
    recorder,
    logger: deps.logger,
    metrics,
    status: deps.status,
    version: deps.version,
    routing: {
      errorRate: (resource, target, window, status) =>
        errorRates.rate(resource.id || null, target.connectionId, target.model, window, status),
      random: Math.random,
    },
    completion: {
      config: deps.config,
      gate,
      pools,
      onHeaders: discovered.observe,
      adapters: deps.adapters,
      codecs: deps.codecs,
      recordAttempt: recorder.attempt,
      auditBodyLimit,
    },
  };
}

/**
 * The embedded default: counters in this process, carried on from the store and the journal, their
 * changes sent with every batch of records (and the journal file they supersede).
 */
function memoryCounters(deps: GatewayDeps): MemoryCounters {
  const journal = deps.journal;
  const counters = new MemoryCounters(
    deps.counters ?? deps.store?.capacityCounters.all() ?? [],
    journal && ((rows) => journal.write(rows)),
  );
  deps.recorder.alsoSend((batch) => {
    batch.counters.push(...counters.takeDirty());
    // Taken together with the counters: every change in the old journal file is in this batch or an earlier one.
    const superseded = journal?.rotate();
    if (superseded) batch.supersedes.push(superseded);
  });
  return counters;
}

/** The embedded default: allocations in this process, carried on from the store, saved with every batch. */
function memoryPoolStates(deps: GatewayDeps): MemoryPoolStates {
  const states = new MemoryPoolStates(deps.store?.poolStates.all() ?? []);
  deps.recorder.alsoSend((batch) => batch.poolStates.push(...states.takeDirty()));
  return states;
}

/** An attempt's cost: the row names the provider; the connection adds its base URL and price overrides. */
function costOfAttempts(pricer: Pricer): CostOf {
  return (attempt, exchange) => {
    const connection = attempt.connectionId ? exchange.env?.connections.get(attempt.connectionId) : undefined;
    return pricer.cost({
      provider: attempt.provider as ProviderId,
      model: attempt.model ?? '',
      baseUrl: connection?.config.baseUrl as string | undefined,
      at: attempt.at,
      tokens: attempt,
      overrides: connection?.prices ?? [],
    }).nanoUsd;
  };
}
