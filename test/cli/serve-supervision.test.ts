import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, cli } from '../helpers/run-cli.js';
import { alive, freePort, started, until } from '../helpers/processes.js';
import { tempHome } from '../helpers/temp-home.js';

const pidfile = (home: string): { pid: number; url: string } | undefined => {
  try {
    return JSON.parse(readFileSync(join(home, 'vmx.pid'), 'utf8'));
  } catch {
    return undefined;
  }
};

const answers = async (url: string) => {
  try {
    return (await fetch(`${url}/healthz`)).ok;
  } catch {
    return false;
  }
};

/** A foreground `vmx serve`, and the daemon it started once that answers. */
async function serveForeground(
  home: string,
  port: number,
): Promise<{ serve: ChildProcess; daemonPid: number; url: string; exit: Promise<unknown> }> {
  const serve = spawn(process.execPath, [binPath, 'serve', '--port', String(port)], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      VMX_HOME: home,
      VMX_USER: 'alice',
      NO_COLOR: '1',
      VMX_CREDENTIAL_STORE: 'file',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(serve.pid!);
  serve.stdout!.resume();
  let stderr = '';
  serve.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise((resolve) => serve.once('exit', resolve));
  const running = await until(`the daemon of vmx serve (stderr: ${stderr})`, async () => {
    const found = pidfile(home);
    return found && found.pid !== serve.pid && (await answers(found.url)) && found;
  });
  started.add(running.pid);
  return { serve, daemonPid: running.pid, url: running.url, exit };
}

describe('the daemon follows the foreground `vmx serve` that started it', () => {
  it(
    'stops (gracefully) when `vmx serve` is killed with SIGKILL, and `vmx serve` starts again without `vmx stop`',
    { timeout: 60_000 },
    async () => {
      const home = tempHome();
      const port = await freePort();
      const first = await serveForeground(home, port);

      first.serve.kill('SIGKILL');
      await first.exit;
      await until('the orphaned daemon to exit', () => !alive(first.daemonPid));
      // The SIGTERM path, not a crash: it removed its pidfile and logged why it stopped.
      expect(existsSync(join(home, 'vmx.pid'))).toBe(false);
      const log = readFileSync(join(home, 'vmx.log'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(log.filter((l) => l.pid === first.daemonPid).map((l) => l.msg)).toContain('stopped');
      expect(log.find((l) => l.pid === first.daemonPid && l.reason)?.reason).toBe('parent exited');

      // Same port, no `vmx stop` in between.
      const second = await serveForeground(home, port);
      expect(second.daemonPid).not.toBe(first.daemonPid);
      second.serve.kill('SIGTERM');
      expect(await second.exit).toBe(0);
      expect(alive(second.daemonPid)).toBe(false);
    },
  );

  it(
    'a detached daemon keeps running after the `vmx serve --detach` that started it is gone',
    { timeout: 60_000 },
    async () => {
      const home = tempHome();
      const vmx = cli(home);
      const port = await freePort();
      const serve = await vmx(`serve --detach --port ${port} --json`);
      expect([serve.code, serve.stderr]).toEqual([0, '']);
      const { pid, url } = serve.json();
      started.add(pid);
      // The CLI process has exited; another command runs and the daemon still answers.
      expect((await vmx('status --json')).json()).toMatchObject({ running: true, pid });
      expect(await answers(url)).toBe(true);
      expect(alive(pid)).toBe(true);
      expect((await vmx('stop --json')).json()).toEqual({ stopped: true, pid });
    },
  );
});
