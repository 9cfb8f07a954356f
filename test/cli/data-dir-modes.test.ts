import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cli as inProcess } from '../helpers/run-cli-in-process.js';
import { cli } from '../helpers/run-cli.js';
import { alive, started, until } from '../helpers/processes.js';
import { tempHome } from '../helpers/temp-home.js';

const daemonMain = fileURLToPath(new URL('../../dist/daemon/main.js', import.meta.url));
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** The mode of the dir and of every file named that exists, e.g. `{ '.': '700', 'vmx.db': '600' }`. */
function modes(home: string, files: string[]): Record<string, string> {
  const found: Record<string, string> = { '.': mode(home) };
  for (const file of files) if (existsSync(join(home, file))) found[file] = mode(join(home, file));
  return found;
}

const FILES = ['vmx.db', 'vmx.db-wal', 'vmx.db-shm', 'vmx.log', 'config.json', 'vmx.pid', 'secrets.json'];

/**
 * A data dir as an earlier version, a hand-made dir or a loose umask leaves it: 0755, every file 0644,
 * with the database's -wal and -shm present (a connection holds them open; the caller closes it). Made
 * in this process; what is tested (a command, the daemon) then runs as a real process.
 */
async function looseHome(): Promise<{ home: string; db: Database.Database }> {
  const home = tempHome();
  const vmx = inProcess(home);
  expect((await vmx('workspace create acme')).code).toBe(0);
  expect((await vmx('use acme')).code).toBe(0);
  writeFileSync(join(home, 'vmx.log'), '{"msg":"an old line"}\n');
  writeFileSync(join(home, 'secrets.json'), '{}\n');
  // A pidfile left by a daemon that was killed: its pid is dead.
  writeFileSync(
    join(home, 'vmx.pid'),
    JSON.stringify({
      pid: await deadPid(),
      url: 'http://127.0.0.1:9',
      host: '127.0.0.1',
      port: 9,
      startedAt: new Date().toISOString(),
    }),
  );
  writeFileSync(join(home, 'notes.txt'), 'not vmx’s\n');
  const db = new Database(join(home, 'vmx.db'));
  db.prepare('SELECT count(*) FROM workspaces').get();
  loosen(home);
  expect(modes(home, FILES)).toEqual({ '.': '755', ...Object.fromEntries(FILES.map((f) => [f, '644'])) });
  return { home, db };
}

function loosen(home: string): void {
  chmodSync(home, 0o755);
  for (const file of [...FILES, 'notes.txt']) if (existsSync(join(home, file))) chmodSync(join(home, file), 0o644);
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the data dir is owner-only (0700, files 0600), tightened whenever it is opened', () => {
  it('a new data dir and its files are created owner-only', async () => {
    const home = join(tempHome(), 'new');
    const vmx = cli(home);
    expect((await vmx('workspace create acme')).code).toBe(0);
    expect((await vmx('use acme')).code).toBe(0);
    expect(modes(home, FILES)).toEqual({ '.': '700', 'vmx.db': '600', 'config.json': '600' });
  });

  it.each([
    ['a command that opens the store', 'workspace list'],
    ['a command that only reads the log', 'logs --lines 1'],
  ])('%s tightens a loose one (`vmx %s`), and leaves files that are not vmx’s alone', async (_case, command) => {
    const { home, db } = await looseHome();
    try {
      await cli(home)(command);
      expect(modes(home, FILES)).toEqual({ '.': '700', ...Object.fromEntries(FILES.map((f) => [f, '600'])) });
      expect(mode(join(home, 'notes.txt'))).toBe('644');
    } finally {
      db.close();
    }
  });

  it(
    'the daemon tightens a loose one on its own, creates its files 0600, and a stale pidfile does not stop it',
    { timeout: 30_000 },
    async () => {
      const { home, db } = await looseHome();
      db.close();
      const stalePid = JSON.parse(readFileSync(join(home, 'vmx.pid'), 'utf8')).pid;
      // Started directly, not through `vmx serve` (whose CLI process tightens the dir first).
      const child = spawn(process.execPath, [daemonMain, '--home', home, '--port', '0', '--log-format', 'none'], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, VMX_CREDENTIAL_STORE: 'file' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      started.add(child.pid!);
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        const { url } = await until(`the daemon's pidfile (stderr: ${stderr})`, () => {
          try {
            const pidfile = JSON.parse(readFileSync(join(home, 'vmx.pid'), 'utf8')) as { pid: number; url: string };
            return pidfile.pid === child.pid && pidfile;
          } catch {
            return false;
          }
        });
        expect(stalePid).not.toBe(child.pid);
        expect(modes(home, FILES)).toEqual({ '.': '700', ...Object.fromEntries(FILES.map((f) => [f, '600'])) });
        // The pidfile is written a moment before the daemon listens for SIGTERM; once it has answered a
        // request it is past that moment, and the SIGTERM below tests the clean stop, not that race.
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    },
  );
});
