import { rmSync } from 'node:fs';
import { PermissionError, RuntimeError } from '../../../errors.js';
import { parseDuration } from '../../../durations.js';
import { defineVerb, text } from '../../verb.js';
import { isAlive, readPidfile, runningDaemon, sleep } from './daemon-process.js';

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
    try {
      process.kill(pidfile.pid, 'SIGTERM');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPERM')
        throw new PermissionError(`not allowed to stop vmx (pid ${pidfile.pid}): it runs as another user`);
      if (code !== 'ESRCH') throw error;
    }
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pidfile.pid)) {
      if (Date.now() > deadline) {
        throw new RuntimeError(
          `vmx (pid ${pidfile.pid}) did not stop within ${Math.round(timeoutMs / 1000)}s`,
          `it may still be draining; check with \`vmx status\`, or end it with \`kill -9 ${pidfile.pid}\``,
        );
      }
      await sleep(POLL_MS);
    }
    // A daemon that died without cleaning up (killed, crashed) leaves its pidfile behind.
    if (readPidfile(ctx.paths.pidfile)?.pid === pidfile.pid) rmSync(ctx.paths.pidfile, { force: true });
    if (ctx.out.json) ctx.out.writeJson({ stopped: true, pid: pidfile.pid });
    else ctx.out.message('stopped');
  },
});
