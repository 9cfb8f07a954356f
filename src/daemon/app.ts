import Fastify from 'fastify';
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { Dialect, InboundDialect } from '../providers/registry.js';
import type { DialectCodec } from '../providers/pivot.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { Store } from '../store/open.js';
import { errorResponse } from './http-errors.js';
import { InvalidRequestError } from '../errors.js';
import { MAX_BODY_DEPTH, nestsDeeperThan } from './pipeline/body-depth.js';
import { limitBodiesInFlight } from './routes/bodies-in-flight.js';
import { Metrics } from './metrics.js';
import type { ConfigCache } from './config-cache.js';
import { Exchange } from './pipeline/exchange.js';
import { ExchangeRecorder, type CostOf } from './pipeline/record/exchange-recorder.js';
import { Pricer } from '../pricing/cost.js';
import type { ProviderId } from '../providers/registry.js';
import type { ChargeJournal } from './pipeline/record/charge-journal.js';
import type { Recorder } from './pipeline/record/recorder.js';
import type { CounterRow } from '../store/repos/capacity-counters.js';
import { CapacityGate } from '../gateway/capacity/gate.js';
import { DiscoveredCapacityTracker } from './pipeline/record/discovered-capacity.js';
import { ErrorRates } from '../gateway/health/error-rates.js';
import { completionRoutes } from './routes/completions.js';
import type { GatewayContext } from './routes/gateway-context.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoute } from './routes/metrics.js';
import { modelsRoute } from './routes/models.js';
import { answerUnknownRoutes } from './routes/not-found.js';
import type { DaemonStatus } from './status.js';

/** Everything the app needs; server.ts builds the real ones, tests may build their own. */
export interface AppDeps {
  store: Store;
  config: ConfigCache;
  recorder: Recorder;
  logger: Logger;
  status: DaemonStatus;
  version: string;
  adapters: Partial<Record<string, ProviderAdapter>>;
  /** Dialect codecs for conversions (providers/dialects). */
  codecs?: Partial<Record<Dialect, DialectCodec>>;
  metrics?: Metrics;
  /** Largest accepted request body in bytes (default 10 MB). */
  bodyLimit?: number;
  /** A request whose body has not arrived whole after this long is cut with 408 (default 60 s). */
  requestTimeoutMs?: number;
  /** Request bytes being handled at once, beyond which new requests are asked to come back (default 64 MB). */
  inFlightBodyBytes?: number;
  /** Request and response bodies kept in audit rows are cut at this many characters (default 32 KiB). */
  auditBodyLimit?: number;
  /** Prices of attempts (default: the catalog plus each connection's overrides). */
  pricer?: Pricer;
  /** The time capacity windows and error rates are computed in (tests move it). */
  clock?: () => number;
  /** Capacity counters to start from (default: the store's), and the journal their changes go to first. */
  counters?: CounterRow[];
  journal?: ChargeJournal;
}

/**
 * A request whose body trickles in is cut with 408 once `requestTimeout` has passed since it began
 * (checked every second; streaming responses are not affected). Keep-alive as fastify's default.
 */
const serverOptions = (requestTimeout: number) => ({
  requestTimeout,
  connectionsCheckingInterval: Math.min(1_000, requestTimeout),
  keepAliveTimeout: 72_000,
});

/** Builds the fastify app: plugins and routes. Never listens (server.ts does). */
export async function buildApp(deps: AppDeps) {
  // No fastify logger: a per-request child logger costs time on every request, and the pipeline logs
  // what matters (failures, shutdown) through deps.logger itself.
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit ?? 10 * 1024 * 1024,
    return503OnClosing: true,
    serverFactory: (handler) => createServer(serverOptions(deps.requestTimeoutMs ?? 60_000), handler),
  });
  limitBodiesInFlight(app, deps.inFlightBodyBytes ?? 64 * 1024 * 1024);
  const metrics = deps.metrics ?? new Metrics();
  const auditBodyLimit = deps.auditBodyLimit ?? 32 * 1024;
  const clock = deps.clock ?? Date.now;
  // Capacity counters and error rates carry on from the store: a restart resets neither.
  const journal = deps.journal;
  const gate = new CapacityGate(
    clock,
    deps.counters ?? deps.store.capacityCounters.all(),
    journal && ((rows) => journal.write(rows)),
  );
  const errorRates = ErrorRates.fromHistory(clock, (since) => deps.store.usage.attemptsSince(since));
  const discovered = new DiscoveredCapacityTracker();
  deps.recorder.alsoSend((batch) => {
    batch.counters.push(...gate.takeDirty());
    // Taken together with the counters: every change in the old journal file is in this batch or an earlier one.
    const superseded = journal?.rotate();
    if (superseded) batch.supersedes.push(superseded);
  });
  deps.recorder.alsoSend(discovered.take);
  const pricer = deps.pricer ?? new Pricer();
  const costOf: CostOf = (attempt, exchange) => {
    // The row names the provider; the connection adds its base URL and price overrides.
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
  const recorder = new ExchangeRecorder(deps.recorder, metrics, deps.status, auditBodyLimit, errorRates, costOf);
  const gateway: GatewayContext = {
    config: deps.config,
    recorder,
    logger: deps.logger,
    routing: {
      errorRate: (resource, target, window, status) =>
        errorRates.rate(resource.id || null, target.connectionId, target.model, window, status),
      random: Math.random,
    },
    completion: {
      config: deps.config,
      gate,
      onHeaders: discovered.observe,
      adapters: deps.adapters,
      codecs: deps.codecs ?? {},
      recordAttempt: recorder.attempt,
      auditBodyLimit,
    },
  };

  // Every body is JSON, whatever the content type says: `curl -d` sends form-urlencoded by default.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, text, done) => {
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text as string);
    } catch (error) {
      return done(
        new InvalidRequestError(`the request body is not valid JSON: ${(error as Error).message}`),
        undefined,
      );
    }
    if (nestsDeeperThan(text as string, MAX_BODY_DEPTH)) {
      return done(
        new InvalidRequestError(`the request body nests deeper than ${MAX_BODY_DEPTH} levels of objects and arrays`),
        undefined,
      );
    }
    done(null, body);
  });
  // Failures before a route handler runs (bad JSON, body too large): answered in the route's dialect
  // and audited like every other request.
  app.setErrorHandler((error, request, reply) => {
    const dialect = (request.routeOptions.config as { dialect?: InboundDialect }).dialect ?? 'openai-chat';
    const cause =
      (error as { statusCode?: number }).statusCode === 413
        ? new InvalidRequestError(
            `the request body is larger than the limit of ${app.initialConfig.bodyLimit} bytes`,
            413,
          )
        : error instanceof InvalidRequestError
          ? error
          : (error as { statusCode?: number }).statusCode === 400
            ? new InvalidRequestError((error as Error).message)
            : error;
    const exchange = new Exchange(dialect);
    recorder.start();
    const { status, headers, text } = errorResponse(cause, dialect);
    exchange.status = status;
    exchange.error = (cause as Error).message;
    recorder.finish(exchange);
    void reply
      .code(status)
      .headers({ ...headers, 'x-vmx-request-id': exchange.requestId })
      .send(text);
  });

  answerUnknownRoutes(app);
  await app.register(healthRoutes(deps));
  await app.register(metricsRoute(metrics));
  await app.register(modelsRoute(gateway));
  await app.register(completionRoutes(gateway));
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
