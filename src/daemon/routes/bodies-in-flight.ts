import type { FastifyInstance } from 'fastify';
import { BusyError } from '../../errors.js';
import { errorResponse } from '../http-errors.js';

/**
 * Bounds the memory request bodies take: a body is held as text, as parsed JSON and as the text sent
 * on, for as long as its request runs, so many large ones at once can take gigabytes. The bytes of
 * the requests being handled are counted (by Content-Length, before the body is read); one that
 * would pass `budget` is answered 503 with Retry-After, in the route's dialect, and reads nothing.
 * A single request is always let in when nothing else is in flight.
 */
export function limitBodiesInFlight(app: FastifyInstance, budget: number): void {
  let inFlight = 0;
  app.addHook('onRequest', (request, reply, done) => {
    const length = Number(request.headers['content-length'] ?? 0);
    if (!(length > 0)) return done();
    if (inFlight > 0 && inFlight + length > budget) {
      const dialect = (request.routeOptions.config as { dialect?: 'anthropic-messages' }).dialect ?? 'openai-chat';
      const { status, headers, text } = errorResponse(
        new BusyError(`the gateway is handling ${Math.round(inFlight / 1048576)} MB of requests; retry in a moment`, 1),
        dialect,
      );
      void reply.code(status).headers(headers).send(text);
      return;
    }
    inFlight += length;
    reply.raw.once('close', () => (inFlight -= length));
    done();
  });
}
