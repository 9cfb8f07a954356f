import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../metrics.js';

/** GET /metrics — Prometheus text format. */
export const metricsRoute =
  (metrics: Metrics): FastifyPluginAsync =>
  async (app) => {
    app.get('/metrics', async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  };
