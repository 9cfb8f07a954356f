import { NotFoundError, RuntimeError } from '../../../errors.js';
import { formatCount } from '../../io/output.js';
import { defineVerb } from '../../verb.js';
import { formatUptime, getJson, runningDaemon } from './daemon-process.js';

/** GET /v1/status of a running daemon. */
export interface DaemonStatus {
  pid: number;
  url: string;
  version: string;
  startedAt: string;
  uptimeMs: number;
  requests: { total: number; inFlight: number; errors: number };
  attempts: { total: number; fallbacks: number };
  tokens: { input: number; output: number; cached: number };
  cost: { usd: number; unpricedAttempts: number };
  retention: { at: string; steps: number; sizeBytes: number; changed: Record<string, number> } | null;
}

export const verb = defineVerb({
  async run(_options, ctx) {
    const pidfile = runningDaemon(ctx.paths);
    if (!pidfile) {
      if (ctx.out.json) ctx.out.writeJson({ running: false });
      throw new NotFoundError('vmx is not running', 'start it with `vmx serve --detach`');
    }
    let status: DaemonStatus;
    try {
      status = await getJson<DaemonStatus>(`${pidfile.url}/v1/status`);
    } catch (error) {
      throw new RuntimeError(
        `vmx (pid ${pidfile.pid}) does not answer at ${pidfile.url}: ${(error as Error).message}`,
        'see `vmx logs`, or stop it with `vmx stop`',
      );
    }
    if (ctx.out.json) return ctx.out.writeJson({ running: true, ...status });
    ctx.out.object({
      status: 'running',
      pid: status.pid,
      url: status.url,
      version: status.version,
      startedAt: status.startedAt,
      uptime: formatUptime(status.uptimeMs),
      requests: status.requests.total,
      inFlight: status.requests.inFlight,
      errors: status.requests.errors,
      attempts: `${formatCount(status.attempts.total)} (${formatCount(status.attempts.fallbacks)} fell back)`,
      tokens: `${formatCount(status.tokens.input)} in, ${formatCount(status.tokens.output)} out, ${formatCount(status.tokens.cached)} cached`,
      cost: `$${status.cost.usd.toFixed(4)}${status.cost.unpricedAttempts ? ` + ${formatCount(status.cost.unpricedAttempts)} attempts of unknown price` : ''}`,
      retention: status.retention
        ? `last pass ${status.retention.at}: ${
            Object.entries(status.retention.changed)
              .filter(([, v]) => v > 0)
              .map(([k, v]) => `${k} ${formatCount(v)}`)
              .join(', ') || 'nothing to prune'
          }; database ${(status.retention.sizeBytes / 1048576).toFixed(1)} MB`
        : 'no pass yet',
    });
  },
});
