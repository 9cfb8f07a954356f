import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Dialect } from '../../providers/registry.js';
import { ClientGone } from '../pipeline/attempts.js';
import { authenticate, resolveEnvironmentConfig } from '../pipeline/auth.js';
import { serveCompletion } from '../pipeline/completion.js';
import { Exchange, type RouteName } from '../pipeline/exchange.js';
import { readInboundBody, type InboundDialect } from '../pipeline/request-body.js';
import { resolveResource, secondaryModel } from '../pipeline/resolve.js';
import { route } from '../pipeline/route.js';
import { countTokens } from './count-tokens.js';
import type { GatewayContext } from './gateway-context.js';
import { sendError } from './send-error.js';

type Params = { workspace: string; environment: string };
const prefix = '/v1/completion/:workspace/:environment';

/**
 * The three completion routes. They share everything — auth, resource resolution, routing, the
 * attempt chain, recording — and differ only in the dialect they speak.
 */
export const completionRoutes =
  (gateway: GatewayContext): FastifyPluginAsync =>
  async (app) => {
    const register = (path: string, route: RouteName, dialect: InboundDialect) =>
      app.post<{ Params: Params }>(`${prefix}${path}`, { config: { dialect } }, (request, reply) => handle(gateway, route, dialect, request, reply));
    register('/chat/completions', 'chat', 'openai-chat');
    register('/responses', 'responses', 'openai-responses');
    register('/anthropic/messages', 'messages', 'anthropic-messages');
    // The Anthropic SDK appends /v1/messages to its base URL (…/anthropic).
    register('/anthropic/v1/messages', 'messages', 'anthropic-messages');
    for (const path of ['/anthropic/messages/count_tokens', '/anthropic/v1/messages/count_tokens']) {
      app.post<{ Params: Params }>(`${prefix}${path}`, { config: { dialect: 'anthropic-messages' } }, (request, reply) =>
        countTokens(gateway, request, reply),
      );
    }
  };

async function handle(
  gateway: GatewayContext,
  routeName: RouteName,
  dialect: Dialect & InboundDialect,
  request: FastifyRequest<{ Params: Params }>,
  reply: FastifyReply,
): Promise<void> {
  const exchange = new Exchange(routeName, dialect);
  gateway.recorder.start();
  const abort = new AbortController();
  // A client that disconnects before the response is complete aborts the upstream request.
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  reply.hijack();
  try {
    const snapshot = gateway.config.snapshot();
    exchange.env = resolveEnvironmentConfig(snapshot, request.params.workspace, request.params.environment);
    exchange.key = authenticate(exchange.env, snapshot, request.headers);
    exchange.requestBody = request.body;
    const inbound = readInboundBody(dialect, request.body);
    exchange.stream = inbound.stream;
    exchange.correlationId = inbound.vmx.correlationId;
    exchange.resource = inbound.model;
    const { resource } = resolveResource(exchange.env, exchange.key, inbound.model, inbound.vmx);
    exchange.resourceId = resource.id || null;
    if (exchange.key.capacity.length) exchange.limits.push({ level: 'key', id: exchange.key.id, name: exchange.key.name, limits: exchange.key.capacity });
    if (resource.enforceCapacity && resource.capacity.length) {
      exchange.limits.push({ level: 'resource', id: resource.id || resource.name, name: resource.name, limits: resource.capacity });
    }

    const routingStart = performance.now();
    let chain;
    if (inbound.vmx.secondaryModelIndex !== undefined) {
      chain = [secondaryModel(resource, inbound.vmx.secondaryModelIndex)];
    } else {
      const decision = route(exchange.env, resource, inbound.body, dialect, gateway.routing, () => exchange.estimateInput());
      if (decision.event) exchange.events.push(decision.event);
      chain = [decision.target, ...(resource.useFallback ? resource.fallbackModels : [])];
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
