import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ClientGone } from '../pipeline/attempts.js';
import { authenticate, resolveEnvironmentConfig } from '../pipeline/auth.js';
import { serveChatCompletion } from '../pipeline/chat-completion.js';
import { Exchange } from '../pipeline/exchange.js';
import { readChatBody } from '../pipeline/request-body.js';
import { resolveResource, secondaryModel } from '../pipeline/resolve.js';
import { route } from '../pipeline/route.js';
import { sendError } from './send-error.js';
import type { GatewayContext } from './gateway-context.js';

type Params = { workspace: string; environment: string };

/** POST /v1/completion/{ws}/{env}/chat/completions — OpenAI Chat Completions. */
export const chatCompletionsRoute =
  (gateway: GatewayContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: Params }>(
      '/v1/completion/:workspace/:environment/chat/completions',
      { config: { dialect: 'openai-chat' } },
      (request, reply) => handle(gateway, request, reply),
    );
  };

async function handle(gateway: GatewayContext, request: FastifyRequest<{ Params: Params }>, reply: FastifyReply): Promise<void> {
  const exchange = new Exchange('chat', 'openai-chat');
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
    const chat = readChatBody(request.body);
    exchange.stream = chat.stream;
    exchange.correlationId = chat.vmx.correlationId;
    exchange.resource = chat.model;
    const { resource } = resolveResource(exchange.env, exchange.key, chat.model, chat.vmx);
    exchange.resourceId = resource.id || null;

    const routingStart = performance.now();
    let chain;
    if (chat.vmx.secondaryModelIndex !== undefined) {
      chain = [secondaryModel(resource, chat.vmx.secondaryModelIndex)];
    } else {
      const decision = route(exchange.env, resource, chat.body, 'openai-chat', gateway.routing);
      if (decision.event) exchange.events.push(decision.event);
      chain = [decision.target, ...(resource.useFallback ? resource.fallbackModels : [])];
    }
    exchange.timings.routingMs = performance.now() - routingStart;

    await serveChatCompletion(gateway.chat, exchange, chat, chain, reply.raw, abort.signal);
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
