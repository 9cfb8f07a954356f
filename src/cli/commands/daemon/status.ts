import { NotFoundError, RuntimeError } from '../../../errors.js';
import type { VerbRun } from '../../verb.js';
import { formatUptime, getJson, runningDaemon } from './daemon-process.js';

/** GET /v1/status of a running daemon. */
export interface DaemonStatus {
  pid: number;
  url: string;
  version: string;
  startedAt: string;
  uptimeMs: number;
  requests: { total: number; inFlight: number; errors: number };
}

export const run: VerbRun = async (ctx) => {
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
  });
};
