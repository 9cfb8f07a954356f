import type { FastifyReply } from 'fastify';
import { VmxError } from '../../errors.js';
import { errorResponse } from '../http-errors.js';
import type { Exchange } from '../pipeline/exchange.js';
import type { GatewayContext } from './gateway-context.js';

/**
 * Answers a failed exchange in its dialect, with `x-vmx-request-id` so the failure can be found with
 * `vmx audit show`. If a stream had already started, the failure was handled there.
 */
export function sendError(gateway: GatewayContext, exchange: Exchange, reply: FastifyReply, error: unknown): void {
  const { status, headers, body } = errorResponse(error, exchange.dialect);
  exchange.status = status;
  exchange.error = (error as Error)?.message ?? String(error);
  if (!(error instanceof VmxError)) gateway.logger.error({ err: error, requestId: exchange.requestId }, 'unexpected failure');
  if (reply.raw.headersSent) {
    reply.raw.end();
    return;
  }
  const text = JSON.stringify(body);
  exchange.responseBody = text;
  reply.raw.writeHead(status, { 'content-type': 'application/json', 'x-vmx-request-id': exchange.requestId, ...headers });
  reply.raw.end(text);
}
