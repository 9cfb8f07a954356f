import type { FastifyReply } from 'fastify';
import { VmxError } from '../../errors.js';
import { errorEvent, errorResponse } from '../http-errors.js';
import { envelope } from '../pipeline/respond/envelope.js';
import type { Exchange } from '../pipeline/exchange.js';
import type { GatewayContext } from './gateway-context.js';

/**
 * Answers a failed exchange in its dialect, with `x-vmx-request-id` so the failure can be found with
 * `vmx audit show`, and the envelope when providers were tried. A failure after a stream started (only
 * a gateway bug gets here then: provider failures are told by the stream itself) ends it with the
 * dialect's error event.
 */
export function sendError(gateway: GatewayContext, exchange: Exchange, reply: FastifyReply, error: unknown): void {
  if (exchange.attempts.length > 0) exchange.timings.totalMs = exchange.elapsed();
  const tried =
    exchange.attempts.length > 0 ? envelope(exchange.requestId, exchange.events, exchange.timings) : undefined;
  const { status, headers, text } = errorResponse(error, exchange.dialect, tried);
  exchange.status = status;
  exchange.error = (error as Error)?.message ?? String(error);
  if (!(error instanceof VmxError))
    gateway.logger.error({ err: error, requestId: exchange.requestId }, 'unexpected failure');
  if (reply.raw.headersSent) {
    if (!reply.raw.writableEnded) reply.raw.end(exchange.stream ? errorEvent(error, exchange.dialect) : undefined);
    return;
  }
  exchange.responseBody = text;
  reply.raw.writeHead(status, { ...headers, 'x-vmx-request-id': exchange.requestId });
  reply.raw.end(text);
}
