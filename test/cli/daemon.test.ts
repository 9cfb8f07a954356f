import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli as inProcess } from '../helpers/run-cli-in-process.js';
import { binPath, cli } from '../helpers/run-cli.js';
import { alive, freePort, started, until } from '../helpers/processes.js';
import { tempHome } from '../helpers/temp-home.js';

const readPidfile = (home: string) =>
  JSON.parse(readFileSync(join(home, 'vmx.pid'), 'utf8')) as { pid: number; url: string; port: number };

/** bin/vmx.js as a long-running child (foreground serve, logs --follow), without a TTY. */
function spawnCli(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [binPath, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      VMX_HOME: home,
      VMX_USER: 'alice',
      NO_COLOR: '1',
      VMX_CREDENTIAL_STORE: 'file',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

describe('vmx serve | status | stop | logs', () => {
  it('runs detached: status, refusing a second one, logs, stop', async () => {
    const home = tempHome();
    const vmx = cli(home);
    const port = await freePort();

    const before = await vmx('status --json');
    expect(before.code).toBe(3);
    expect(before.json()).toEqual({ running: false });

    const serve = await vmx(`serve --detach --port ${port} --json`);
    expect(serve.stderr).toBe('');
    expect(serve.code).toBe(0);
    const { pid, url } = serve.json();
    started.add(pid);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(alive(pid)).toBe(true);
    expect(readPidfile(home)).toMatchObject({ pid, url, port });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });

    const status = await vmx('status --json');
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({
      running: true,
      pid,
      url,
      uptimeMs: expect.any(Number),
      startedAt: expect.any(String),
      requests: { total: expect.any(Number), inFlight: 0, errors: expect.any(Number) },
    });
    const human = await vmx('status');
    expect(human.stdout).toMatch(new RegExp(`pid:\\s+${pid}\\n`));
    expect(human.stdout).toContain(url);
    expect(human.stdout).toMatch(/uptime:\s+\d+s/);

    for (const args of [`serve --detach --port ${await freePort()}`, `serve --port ${await freePort()}`]) {
      const second = await vmx(args);
      expect(second.code).toBe(5);
      expect(second.stderr).toContain(`error: vmx is already running at ${url} (pid ${pid})`);
    }

    const logs = await vmx('logs');
    expect(logs.code).toBe(0);
    const listening = logs.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(listening).toContainEqual(expect.objectContaining({ msg: `vmx listening on ${url}`, pid }));
    expect((await vmx('logs --lines 0')).stdout).toBe('');

    const stop = await vmx('stop --json');
    expect(stop.code).toBe(0);
    expect(stop.json()).toEqual({ stopped: true, pid });
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(home, 'vmx.pid'))).toBe(false);

    const after = await vmx('status');
    expect(after.code).toBe(3);
    expect(after.stderr).toContain('error: vmx is not running');
    const again = await vmx('stop');
    expect([again.code, again.stdout]).toEqual([0, 'vmx is not running\n']);

    // The log tells the whole story, shutdown included.
    expect((await vmx('logs')).stdout).toContain('"msg":"stopped"');
  });

  it('runs in the foreground until SIGTERM, then exits 0', async () => {
    const home = tempHome();
    const port = await freePort();
    const serve = spawnCli(home, ['serve', '--port', String(port)]);
    const pidfile = await until('the pidfile', () => existsSync(join(home, 'vmx.pid')) && readPidfile(home));
    started.add(pidfile.pid);
    expect(pidfile.pid).not.toBe(serve.child.pid);
    expect(pidfile.url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${pidfile.url}/healthz`)).status).toBe(200);

    serve.child.kill('SIGTERM');
    expect(await serve.exit).toBe(0);
    expect(alive(pidfile.pid)).toBe(false);
    expect(existsSync(join(home, 'vmx.pid'))).toBe(false);
    // Not a terminal: the daemon's log lines are JSON on stdout.
    const lines = serve
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).msg);
    expect(lines).toContain(`vmx listening on ${pidfile.url}`);
    expect(lines.at(-1)).toBe('stopped');
  });

  it('fails with exit 1 and the reason when the port is taken', async () => {
    const home = tempHome();
    const vmx = cli(home);
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const detached = await vmx(`serve --detach --port ${port}`);
      expect(detached.code).toBe(1);
      expect(detached.stderr).toContain(`error: port ${port} on 127.0.0.1 is in use\n`);
      expect(detached.stdout).toBe('');

      const json = await vmx(`serve --detach --port ${port} --json`);
      expect(json.code).toBe(1);
      expect(json.error()).toEqual({ code: 'runtime_error', message: `port ${port} on 127.0.0.1 is in use` });

      const foreground = await vmx(`serve --port ${port}`);
      expect(foreground.code).toBe(1);
      expect(foreground.stderr).toContain(`error: port ${port} on 127.0.0.1 is in use\n`);
      expect(foreground.stderr.match(/^error:/gm)).toHaveLength(1);
      expect(existsSync(join(home, 'vmx.pid'))).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  // Reading a pidfile and flag checks need no process of their own: these two run in this process.
  it('treats a pidfile of a dead process as not running and removes it', async () => {
    const home = tempHome();
    const vmx = inProcess(home);
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(
      join(home, 'vmx.pid'),
      JSON.stringify({
        pid: gone.pid,
        url: 'http://127.0.0.1:1',
        host: '127.0.0.1',
        port: 1,
        startedAt: new Date().toISOString(),
      }),
    );

    const status = await vmx('status --json');
    expect(status.code).toBe(3);
    expect(status.json()).toEqual({ running: false });
    expect(existsSync(join(home, 'vmx.pid'))).toBe(false);
  });

  it('refuses bad flags with exit 2', async () => {
    const vmx = inProcess(tempHome());
    for (const args of [
      'serve --port abc',
      'serve --port 70000',
      'serve --grace 5',
      'serve --body-limit lots',
      'serve --file-limit huge',
      'serve --log-level loud',
      'logs --lines -3',
      'stop --timeout soon',
    ]) {
      const result = await vmx(args);
      expect([args, result.code]).toEqual([args, 2]);
      expect(result.stderr).toMatch(/^error: (invalid --|--[a-z-]+ expects )/);
    }
  });

  it('logs --follow prints what is appended, waiting for a log that does not exist yet', async () => {
    const home = tempHome();
    const log = join(home, 'vmx.log');
    const line = (msg: string) => `${JSON.stringify({ level: 30, time: Date.now(), pid: 1, msg })}\n`;

    const follow = spawnCli(home, ['logs', '--follow']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(log, line('one') + line('two'));
    await until('the first lines', () => follow.stdout().includes('"two"'));
    appendFileSync(log, line('three') + '{"level":30,"msg":"fo');
    await until('the third line', () => follow.stdout().includes('"three"'));
    expect(follow.stdout()).not.toContain('"fo');
    appendFileSync(log, 'ur"}\n');
    await until('the completed line', () => follow.stdout().includes('"four"'));

    follow.child.kill('SIGINT');
    expect(await follow.exit).toBe(0);
    expect(
      follow
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).msg),
    ).toEqual(['one', 'two', 'three', 'four']);

    const tail = await cli(home)('logs --lines 2');
    expect(
      tail.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).msg),
    ).toEqual(['three', 'four']);
  });

  it('logs a line per request in serve output and logs --follow, none at --log-level warn or VMX_LOG_LEVEL=warn', async () => {
    /** Serves until one request without a key has been answered; the daemon's stdout and its request id. */
    const serveOnce = async (args: string[], env: Record<string, string> = {}, quiet = false) => {
      const home = tempHome();
      const serve = spawnCli(home, ['serve', '--port', String(await freePort()), ...args], env);
      const pidfile = await until('the pidfile', () => existsSync(join(home, 'vmx.pid')) && readPidfile(home));
      started.add(pidfile.pid);
      const follow = spawnCli(home, ['logs', '--follow']);
      const response = await fetch(`${pidfile.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(401);
      const requestId = response.headers.get('x-vmx-request-id')!;
      // A line written after the request's shows that the request's would have come by now.
      await new Promise((resolve) => setTimeout(resolve, 300));
      serve.child.kill('SIGTERM');
      expect(await serve.exit).toBe(0);
      if (quiet) await new Promise((resolve) => setTimeout(resolve, 300));
      else await until('the last line followed', () => follow.stdout().includes('"stopped"'));
      follow.child.kill('SIGINT');
      await follow.exit;
      return {
        stdout: serve.stdout(),
        followed: follow.stdout(),
        log: readFileSync(join(home, 'vmx.log'), 'utf8'),
        requestId,
      };
    };

    const logged = await serveOnce([]);
    const quietByFlag = await serveOnce(['--log-level', 'warn'], {}, true);
    const quietByEnv = await serveOnce([], { VMX_LOG_LEVEL: 'warn' }, true);
    for (const output of [logged.stdout, logged.followed, logged.log]) {
      const line = output
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .find((l) => l.requestId === logged.requestId);
      expect(line).toMatchObject({ level: 30, route: 'chat', status: 401, msg: expect.stringMatching(/^chat 401 /) });
    }

    for (const quiet of [quietByFlag, quietByEnv]) {
      for (const output of [quiet.stdout, quiet.followed, quiet.log]) {
        expect(output).not.toContain(quiet.requestId);
        expect(output).not.toContain('vmx listening'); // info lines are all left out
      }
    }

    const bad = await inProcess(tempHome())('serve', { env: { VMX_LOG_LEVEL: 'loud' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: invalid VMX_LOG_LEVEL 'loud'");
  }, 120_000);

  it('stop says it is draining while a request is in flight', async () => {
    // An upstream that accepts and never answers keeps one request in flight until the grace ends.
    const sockets: import('node:net').Socket[] = [];
    const hung: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const upstream = `http://127.0.0.1:${(hung.address() as { port: number }).port}/v1`;
    const home = tempHome();
    const vmx = cli(home);
    try {
      await vmx('workspace create acme');
      await vmx('env add dev -w acme');
      await vmx('use acme/dev');
      await vmx(`connection add up --provider openai-compatible --base-url ${upstream}`);
      await vmx('resource add chat --model up/m');
      const key = (await vmx('key create k --json')).json().key as string;
      const serve = await vmx(`serve --detach --port ${await freePort()} --grace 2s --json`);
      const { pid, url } = serve.json();
      started.add(pid);

      const pending = fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      }).then(
        (response) => response.status,
        () => 'cut',
      );
      await until('the request in flight', async () => {
        const status = (await (await fetch(`${url}/v1/status`)).json()) as { requests: { inFlight: number } };
        return status.requests.inFlight === 1;
      });

      const stop = await vmx('stop');
      expect(stop.code).toBe(0);
      expect(stop.stderr).toBe('Stopping… waiting for 1 request in flight (up to 2s)\n');
      expect(stop.stdout).toBe('stopped\n');
      expect(alive(pid)).toBe(false);
      await pending;
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  }, 90_000);
});
