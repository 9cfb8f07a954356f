import type { ServerResponse } from 'node:http';
import { VmxError } from '../../../errors.js';
import { errorEvent, errorResponse } from '../../http-errors.js';
import { envelope } from './envelope.js';
import type { Exchange } from '../exchange.js';
import type { Gateway } from '../../gateway.js';

/**
 * Answers a failed exchange in its dialect, with `x-vmx-request-id` so the failure can be found with
 * `vmx audit show`, and the envelope when providers were tried. A failure after a stream started (only
 * a gateway bug gets here then: provider failures are told by the stream itself) ends it with the
 * dialect's error event.
 */
export function sendError(logger: Gateway['logger'], exchange: Exchange, raw: ServerResponse, error: unknown): void {
  if (exchange.attempts.length > 0) exchange.timings.totalMs = exchange.elapsed();
  const tried =
    exchange.attempts.length > 0 ? envelope(exchange.requestId, exchange.events, exchange.timings) : undefined;
  const { status, headers, text } = errorResponse(error, exchange.dialect, tried);
  exchange.status = status;
  exchange.error = (error as Error)?.message ?? String(error);
  if (!(error instanceof VmxError)) logger.error({ err: error, requestId: exchange.requestId }, 'unexpected failure');
  if (raw.headersSent) {
    if (!raw.writableEnded) raw.end(exchange.stream ? errorEvent(error, exchange.dialect) : undefined);
    return;
  }
  exchange.responseBody = text;
  raw.writeHead(status, { ...headers, 'x-vmx-request-id': exchange.requestId });
  raw.end(text);
}
