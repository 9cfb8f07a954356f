import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Dialect } from '../../providers/registry.js';
import { ClientGone } from '../pipeline/attempts.js';
import { authenticate, resolveEnvironmentConfig } from '../pipeline/auth.js';
import { serveCompletion } from '../pipeline/respond/completion.js';
import { Exchange } from '../pipeline/exchange.js';
import { readInboundBody, type InboundDialect } from '../pipeline/request-body.js';
import { resolveResource, secondaryModel } from '../pipeline/resolve.js';
import { route } from '../pipeline/route.js';
import { countTokens } from './count-tokens.js';
import type { GatewayContext } from './gateway-context.js';
import { FULL_PREFIX, placeOf, type PlaceParams as Params } from './route-place.js';
import { sendError } from './send-error.js';

/**
 * The three completion routes, under `/v1/completion/{ws}/{env}/` and as the short routes a drop-in
 * base URL reaches (`/v1/chat/completions`, `/v1/responses`, `/v1/messages`), where the key names the
 * environment. They share everything — auth, resource resolution, routing, the attempt chain,
 * recording — and differ only in the dialect they speak.
 */
export const completionRoutes =
  (gateway: GatewayContext): FastifyPluginAsync =>
  async (app) => {
    const register = (paths: string[], dialect: InboundDialect) => {
      for (const path of paths) {
        app.post<{ Params: Params }>(path, { config: { dialect } }, (request, reply) =>
          handle(gateway, dialect, request, reply),
        );
      }
    };
    register([`${FULL_PREFIX}/chat/completions`, '/v1/chat/completions'], 'openai-chat');
    register([`${FULL_PREFIX}/responses`, '/v1/responses'], 'openai-responses');
    // The Anthropic SDK appends /v1/messages to its base URL (…/anthropic, or the daemon's root).
    register(
      [`${FULL_PREFIX}/anthropic/messages`, `${FULL_PREFIX}/anthropic/v1/messages`, '/v1/messages'],
      'anthropic-messages',
    );
    for (const path of [
      `${FULL_PREFIX}/anthropic/messages/count_tokens`,
      `${FULL_PREFIX}/anthropic/v1/messages/count_tokens`,
      '/v1/messages/count_tokens',
    ]) {
      app.post<{ Params: Params }>(path, { config: { dialect: 'anthropic-messages' } }, (request, reply) =>
        countTokens(gateway, request, reply),
      );
    }
  };

async function handle(
  gateway: GatewayContext,
  dialect: InboundDialect,
  request: FastifyRequest<{ Params: Params }>,
  reply: FastifyReply,
): Promise<void> {
  const exchange = new Exchange(dialect);
  gateway.recorder.start();
  const abort = new AbortController();
  // A client that disconnects before the response is complete aborts the upstream request.
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  reply.hijack();
  try {
    const place = placeOf(request.params);
    exchange.requestBody = request.body;
    const { caller, inbound, resource } = gateway.config.fresh((snapshot) => {
      exchange.env = place && resolveEnvironmentConfig(snapshot, place.workspace, place.environment);
      const caller = authenticate(snapshot, exchange.env, request.headers);
      exchange.env = caller.env;
      exchange.key = caller.key;
      const inbound = readInboundBody(dialect, request.body);
      exchange.stream = inbound.stream;
      exchange.correlationId = inbound.vmx.correlationId;
      exchange.resource = inbound.model;
      return {
        caller,
        inbound,
        resource: resolveResource(caller.env, caller.key, inbound.model, inbound.vmx).resource,
      };
    });
    exchange.resourceId = resource.id || null;
    const { key, env } = caller;
    if (key.capacity.length) exchange.limits.push({ level: 'key', id: key.id, name: key.name, limits: key.capacity });
    if (resource.enforceCapacity && resource.capacity.length) {
      exchange.limits.push({
        level: 'resource',
        id: resource.id || resource.name,
        name: resource.name,
        limits: resource.capacity,
      });
    }

    const routingStart = performance.now();
    let chain;
    if (inbound.vmx.secondaryModelIndex !== undefined) {
      chain = [secondaryModel(resource, inbound.vmx.secondaryModelIndex)];
    } else {
      const decision = route(env, resource, inbound.body, dialect, gateway.routing, () => exchange.estimateInput());
      if (decision.event) exchange.events.push(decision.event);
      chain = decision.chain;
    }
    exchange.timings.routingMs = performance.now() - routingStart;

    await serveCompletion(gateway.completion, exchange, inbound, chain, reply.raw, abort.signal);
  } catch (error) {
    if (error instanceof ClientGone || abort.signal.aborted) {
      exchange.status = 499;
      exchange.error = 'the client closed the connection';
      if (!reply.raw.destroyed) reply.raw.destroy();
    } else {
      sendError(gateway, exchange, reply, error);
    }
  } finally {
    gateway.recorder.finish(exchange);
  }
}
