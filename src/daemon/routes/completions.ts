import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { InboundDialect } from '../../providers/registry.js';
import { handleCompletion } from '../pipeline/handle-completion.js';
import { countTokens } from './count-tokens.js';
import type { Gateway } from '../gateway.js';
import { FULL_PREFIX, placeOf, type PlaceParams as Params } from './route-place.js';

/**
 * The three completion routes, under `/v1/completion/{ws}/{env}/` and as the short routes a drop-in
 * base URL reaches (`/v1/chat/completions`, `/v1/responses`, `/v1/messages`), where the key names the
 * environment. They share everything — auth, resource resolution, routing, the attempt chain,
 * recording — and differ only in the dialect they speak.
 */
export const completionRoutes =
  (gateway: Gateway): FastifyPluginAsync =>
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

/** Adapts fastify to the pipeline: the response is taken over (hijacked) and written by the pipeline. */
function handle(
  gateway: Gateway,
  dialect: InboundDialect,
  request: FastifyRequest<{ Params: Params }>,
  reply: FastifyReply,
) {
  reply.hijack();
  return handleCompletion(gateway, {
    dialect,
    place: placeOf(request.params),
    headers: request.headers,
    body: request.body,
    bodyText: request.bodyText,
    raw: reply.raw,
  });
}
