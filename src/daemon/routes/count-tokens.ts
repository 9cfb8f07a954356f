import type { FastifyReply, FastifyRequest } from 'fastify';
import { estimateInputTokens } from '../../gateway/estimate/token-estimate.js';
import { errorResponse } from '../http-errors.js';
import { authorize } from '../pipeline/auth.js';
import { readInboundBody } from '../pipeline/request-body.js';
import { resolveResource } from '../pipeline/resolve.js';
import { placeOf } from './route-place.js';
import type { Gateway } from '../gateway.js';

/**
 * POST …/anthropic/messages/count_tokens and /v1/messages/count_tokens → `{input_tokens}`: the resource's provider counts when it
 * can (Anthropic), else the gateway's estimate.
 */
export async function countTokens(
  gateway: Gateway,
  request: FastifyRequest<{ Params: Partial<{ workspace: string; environment: string }> }>,
  reply: FastifyReply,
): Promise<unknown> {
  try {
    const { env, inbound, resource } = await gateway.config.fresh((snapshot) => {
      const { env, key } = authorize(snapshot, placeOf(request.params), request.headers);
      const inbound = readInboundBody('anthropic-messages', request.body);
      return { env, inbound, resource: resolveResource(env, key, inbound.model, inbound.vmx).resource };
    });
    const connection = env.connections.get(resource.model.connectionId);
    const adapter = connection && gateway.completion.adapters[connection.provider];
    if (connection && adapter?.countTokens) {
      const { vmx: _vmx, ...body } = inbound.body;
      const counted = await adapter
        .countTokens(
          gateway.config.target(connection),
          { ...body, model: resource.model.model },
          AbortSignal.timeout(30_000),
        )
        .catch(() => undefined);
      if (counted !== undefined) return { input_tokens: counted };
    }
    return { input_tokens: estimateInputTokens(inbound.body) };
  } catch (error) {
    const { status, headers, text } = errorResponse(error, 'anthropic-messages');
    return reply.code(status).headers(headers).send(text);
  }
}
