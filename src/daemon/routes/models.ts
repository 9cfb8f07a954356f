import type { FastifyPluginAsync } from 'fastify';
import { authorize } from '../pipeline/auth.js';
import { errorResponse } from '../http-errors.js';
import type { GatewayContext } from './gateway-context.js';

/** GET /v1/completion/{ws}/{env}/models — the resources this key may call, in OpenAI's list shape. */
export const modelsRoute =
  (gateway: GatewayContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { workspace: string; environment: string } }>('/v1/completion/:workspace/:environment/models', async (request, reply) => {
      try {
        const { env, key } = authorize(gateway.config.snapshot(), request.params, request.headers);
        const created = (iso: string) => Math.floor(Date.parse(iso) / 1000);
        const data = [...env.resources.values()]
          .filter((r) => key.resources === null || key.resources.includes(r.id))
          .map((r) => ({ id: r.name, object: 'model', created: created(r.createdAt), owned_by: 'vmx' }));
        return { object: 'list', data };
      } catch (error) {
        const { status, headers, text } = errorResponse(error, 'openai-chat');
        return reply.code(status).headers(headers).send(text);
      }
    });
  };
