import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MethodNotAllowedError, NotFoundError } from '../../errors.js';
import { errorResponse } from '../http-errors.js';

interface KnownRoute {
  method: string;
  /** As a client would write it: `/v1/completion/{workspace}/{environment}/responses`. */
  path: string;
  pattern: RegExp;
}

/**
 * Answers paths and methods the daemon does not serve: 404 (or 405 with `Allow` when the path exists
 * for another method) in the dialect's error shape — Anthropic's under `/v1/messages` and
 * `…/anthropic/…`, OpenAI's elsewhere — naming the routes that exist, so a client pointed at the
 * wrong base URL learns the right one. The list is whatever the app registered.
 */
export function answerUnknownRoutes(app: FastifyInstance): void {
  const routes: KnownRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      const pattern = new RegExp(`^${route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`);
      routes.push({ method, path, pattern });
    }
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?', 1)[0]!;
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    const list = routes.map((r) => `${r.method} ${r.path}`).join(', ');
    const error = allowed.length
      ? new MethodNotAllowedError(`${request.method} is not allowed on ${path} (use ${allowed.join(' or ')})`, allowed)
      : new NotFoundError(`no route ${request.method} ${path}; the routes are: ${list}`);
    const anthropic = path.startsWith('/v1/messages') || path.includes('/anthropic/');
    const { status, headers, text } = errorResponse(error, anthropic ? 'anthropic-messages' : 'openai-chat');
    return reply.code(status).headers(headers).send(text);
  });
}
