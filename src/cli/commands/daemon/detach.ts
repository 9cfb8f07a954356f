import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeError } from '../../../errors.js';
import type { CliContext } from '../../context.js';
import { getJson, readPidfile, sleep } from './daemon-process.js';
import { startSpinner, type Spinner } from '../../io/spinner.js';

const START_TIMEOUT_MS = 10_000;
const POLL_MS = 50;

/**
 * Starts the daemon in its own session, detached from this terminal, and waits until its pidfile
 * names it and /healthz answers. Its stderr goes to a temp file so that a daemon that dies while
 * starting (port in use, bad data dir) can be reported with its own error line.
 */
export async function startDetached(
  ctx: CliContext,
  main: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vmx-serve-'));
  const stderrPath = join(dir, 'stderr');
  const fd = openSync(stderrPath, 'w', 0o600);
  const spinner = startingSpinner(ctx);
  try {
    const child = spawn(process.execPath, [main, ...args], {
      detached: true,
      stdio: ['ignore', 'ignore', fd],
      env,
    });
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('exit', (code, signal) => (exited = { code, signal }));
    const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
    spawnFailed.catch(() => {});
    child.unref();
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exited) {
        const line = /^error:\s*(.*)$/m.exec(readFileSync(stderrPath, 'utf8'))?.[1];
        if (line) throw new RuntimeError(line);
        throw new RuntimeError(
          `the daemon exited (${exited.signal ?? `code ${exited.code}`}) before it answered`,
          'see `vmx logs`',
        );
      }
      const pidfile = readPidfile(ctx.paths.pidfile);
      if (pidfile && pidfile.pid === child.pid && (await answers(pidfile.url))) {
        spinner.stop();
        if (ctx.out.json) ctx.out.writeJson({ pid: pidfile.pid, url: pidfile.url });
        else ctx.out.message(pidfile.url);
        return;
      }
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new RuntimeError(
          `the daemon (pid ${child.pid}) did not answer within ${START_TIMEOUT_MS / 1000}s; stopped it`,
          'see `vmx logs`',
        );
      }
      await Promise.race([sleep(POLL_MS), spawnFailed]);
    }
  } finally {
    spinner.stop();
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await getJson<{ status?: string }>(`${url}/healthz`, 1_000)).status === 'ok';
  } catch {
    return false;
  }
}

/** A progress line on stderr while starting, on a terminal only (and never under --json). */
function startingSpinner(ctx: CliContext): Spinner {
  if (ctx.out.json) return { update() {}, stop() {} };
  return startSpinner(ctx.deps.stderr, 'starting vmx…', { delayMs: 0 });
}
