import { rmSync } from 'node:fs';
import { PermissionError, RuntimeError } from '../../../errors.js';
import { parseDuration } from '../../../durations.js';
import { defineVerb, text } from '../../verb.js';
import type { CliContext } from '../../context.js';
import { startSpinner, type Spinner } from '../../io/spinner.js';
import { getJson, isAlive, readPidfile, runningDaemon, sleep } from './daemon-process.js';

/** The daemon's default grace period; pidfiles that carry `graceMs` override it. */
const DEFAULT_GRACE_MS = 10_000;
const POLL_MS = 50;

export const verb = defineVerb({
  flags: { timeout: text('--timeout <duration>', "how long to wait (default: the daemon's grace period + 5s)") },
  async run(input, ctx) {
    const explicitTimeout = input.timeout === undefined ? undefined : parseDuration(input.timeout, '--timeout');
    const pidfile = runningDaemon(ctx.paths);
    if (!pidfile) {
      if (ctx.out.json) ctx.out.writeJson({ stopped: false, running: false });
      else ctx.out.message('vmx is not running');
      return;
    }
    const timeoutMs =
      explicitTimeout ?? (typeof pidfile.graceMs === 'number' ? pidfile.graceMs : DEFAULT_GRACE_MS) + 5_000;
    // Asked before the signal: a daemon that is closing answers no more requests, its status included.
    const inFlight = await requestsInFlight(pidfile.url);
    try {
      process.kill(pidfile.pid, 'SIGTERM');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPERM')
        throw new PermissionError(`not allowed to stop vmx (pid ${pidfile.pid}): it runs as another user`);
      if (code !== 'ESRCH') throw error;
    }
    const spinner = drainingNotice(ctx, inFlight, pidfile.graceMs);
    try {
      await waitForExit(pidfile.pid, timeoutMs);
    } finally {
      spinner.stop();
    }
    // A daemon that died without cleaning up (killed, crashed) leaves its pidfile behind.
    if (readPidfile(ctx.paths.pidfile)?.pid === pidfile.pid) rmSync(ctx.paths.pidfile, { force: true });
    if (ctx.out.json) ctx.out.writeJson({ stopped: true, pid: pidfile.pid });
    else ctx.out.message('stopped');
  },
});

/** How many requests the daemon is serving, or 0 when it does not say (within a second). */
async function requestsInFlight(url: string): Promise<number> {
  try {
    const status = await getJson<{ requests?: { inFlight?: number } }>(`${url}/v1/status`, 1_000);
    return status.requests?.inFlight ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Says why stopping takes a while: with requests in flight, a line on stderr (a spinner on a terminal)
 * naming how many and for how long at most. Nothing under --json, nothing when none is in flight.
 */
function drainingNotice(ctx: CliContext, inFlight: number, graceMs: number | undefined): Spinner {
  const none = { update() {}, stop() {} };
  if (ctx.out.json || inFlight === 0) return none;
  const grace = typeof graceMs === 'number' ? ` (up to ${Math.round(graceMs / 1000)}s)` : '';
  const text = `Stopping… waiting for ${inFlight} ${inFlight === 1 ? 'request' : 'requests'} in flight${grace}`;
  if (!ctx.deps.stderr.isTTY) {
    ctx.deps.stderr.write(`${text}\n`);
    return none;
  }
  return startSpinner(ctx.deps.stderr, text, { delayMs: 0 });
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      throw new RuntimeError(
        `vmx (pid ${pid}) did not stop within ${Math.round(timeoutMs / 1000)}s`,
        `it may still be draining; check with \`vmx status\`, or end it with \`kill -9 ${pid}\``,
      );
    }
    await sleep(POLL_MS);
  }
}
