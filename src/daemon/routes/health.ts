import type { FastifyPluginAsync } from 'fastify';
import type { Gateway } from '../gateway.js';

/** Liveness (no auth) and the counters `vmx status` prints. */
export const healthRoutes =
  (deps: Pick<Gateway, 'status' | 'version'>): FastifyPluginAsync =>
  async (app) => {
    const ok = { status: 'ok' };
    app.get('/healthz', async () => ok);
    app.get('/healthcheck', async () => ok);
    app.get('/v1/status', async () => deps.status.snapshot(deps.version));
  };
