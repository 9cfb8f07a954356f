import type { FastifyPluginAsync } from 'fastify';
import { authorize } from '../pipeline/auth.js';
import { errorResponse } from '../http-errors.js';
import { FULL_PREFIX, placeOf } from './route-place.js';
import type { Gateway } from '../gateway.js';

/**
 * GET …/models and /v1/models — the resources this key may call: OpenAI's list shape, or Anthropic's
 * when the client sends `anthropic-version` (the Anthropic SDK's models.list()).
 */
export const modelsRoute =
  (gateway: Gateway): FastifyPluginAsync =>
  async (app) => {
    for (const path of [`${FULL_PREFIX}/models`, '/v1/models']) {
      app.get<{ Params: Partial<{ workspace: string; environment: string }> }>(path, async (request, reply) => {
        const anthropic = request.headers['anthropic-version'] !== undefined;
        try {
          const { env, key } = await gateway.config.fresh((snapshot) =>
            authorize(snapshot, placeOf(request.params), request.headers),
          );
          const resources = [...env.resources.values()].filter(
            (r) => key.resources === null || key.resources.includes(r.id),
          );
          if (anthropic) {
            const data = resources.map((r) => ({
              type: 'model',
              id: r.name,
              display_name: r.name,
              created_at: r.createdAt,
            }));
            return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
          }
          const data = resources.map((r) => ({
            id: r.name,
            object: 'model',
            created: Math.floor(Date.parse(r.createdAt) / 1000),
            owned_by: 'vmx',
          }));
          return { object: 'list', data };
        } catch (error) {
          const { status, headers, text } = errorResponse(error, anthropic ? 'anthropic-messages' : 'openai-chat');
          return reply.code(status).headers(headers).send(text);
        }
      });
    }
  };
