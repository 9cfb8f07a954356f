import Fastify from 'fastify';
import { createServer } from 'node:http';
import type { InboundDialect } from '../providers/registry.js';
import type { Gateway } from './gateway.js';
import { errorResponse } from './http-errors.js';
import { InvalidRequestError } from '../errors.js';
import { MAX_BODY_DEPTH, nestsDeeperThan } from './pipeline/body-depth.js';
import { limitBodiesInFlight } from './routes/bodies-in-flight.js';
import { Exchange } from './pipeline/exchange.js';
import { completionRoutes } from './routes/completions.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoute } from './routes/metrics.js';
import { modelsRoute } from './routes/models.js';
import { answerUnknownRoutes } from './routes/not-found.js';
import { batchRoutes } from './routes/batch/index.js';
import type { BatchService } from './batch/batch-service.js';

export type { BatchService };

declare module 'fastify' {
  interface FastifyRequest {
    /** The body as the client sent it (what the audit row keeps); '' when there was none. */
    bodyText: string;
  }
  interface FastifyContextConfig {
    /** The dialect a route answers errors in, before its handler runs (the error handler below). */
    dialect?: InboundDialect;
  }
}

/** How the HTTP surface is bounded (HTTP.md "Limits"). */
export interface AppOptions {
  /** Largest accepted request body in bytes (default 10 MB). */
  bodyLimit?: number;
  /** A request whose body has not arrived whole after this long is cut with 408 (default 60 s). */
  requestTimeoutMs?: number;
  /** Request bytes being handled at once, beyond which new requests are asked to come back (default 64 MB). */
  inFlightBodyBytes?: number;
  /** Where batches are kept and how the runner is told about a new one (the batch routes need both). */
  batches?: BatchService;
  /** Largest file `POST /v1/files` takes, in bytes (default 100 MB). */
  fileLimit?: number;
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

/**
 * Builds the fastify app over a gateway (createGateway in gateway.ts): the body parser, the error
 * handler and the routes. Never listens (server.ts does); tests may `inject()` into it.
 */
export async function buildApp(gateway: Gateway, options: AppOptions = {}) {
  // No fastify logger: a per-request child logger costs time on every request, and the pipeline logs
  // what matters (failures, shutdown) through the gateway's logger itself.
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
    return503OnClosing: true,
    serverFactory: (handler) => createServer(serverOptions(options.requestTimeoutMs ?? 60_000), handler),
  });
  limitBodiesInFlight(app, options.inFlightBodyBytes ?? 64 * 1024 * 1024);
  const { recorder } = gateway;

  // Every body is JSON, whatever the content type says: `curl -d` sends form-urlencoded by default.
  app.removeAllContentTypeParsers();
  app.decorateRequest('bodyText', '');
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
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
    request.bodyText = text as string;
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
  await app.register(healthRoutes(gateway));
  await app.register(metricsRoute(gateway.metrics));
  await app.register(modelsRoute(gateway));
  await app.register(completionRoutes(gateway));
  if (options.batches)
    await app.register(batchRoutes(gateway, options.batches, { fileLimit: options.fileLimit ?? 100 * 1024 * 1024 }));
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
