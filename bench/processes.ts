import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The benchmark's child processes (fake upstream, vmx daemon): started here, always stopped. */

export const root = fileURLToPath(new URL('..', import.meta.url));
const children = new Set<ChildProcess>();

/** Kills every child still running (synchronous, so it also works from an 'exit' handler). */
export function killChildren(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

/** SIGTERM, then SIGKILL after `ms`; resolves when the child has exited. */
export async function stopChild(child: ChildProcess, ms = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

function start(args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return { child, stderr: () => stderr };
}

/** Starts a child that prints `{"url":…}` on its first line once it listens; resolves with that URL. */
async function startListening(name: string, args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const { child, stderr } = start(args);
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening:\n${stderr()}`)));
  });
  lines.close();
  return { url, child };
}

/** The fake OpenAI upstream in its own process; resolves with its base URL (…/v1). */
export const startUpstream = () => startListening('fake upstream', ['--import', 'tsx', 'bench/upstream.ts']);

export function cliEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, VMX_HOME: home, VMX_USER: 'bench', VMX_CREDENTIAL_STORE: 'file', NO_COLOR: '1' };
}

/** Runs the real CLI (bin/vmx.js) against `home` (and the store `env` names); resolves with stdout, rejects with stderr. */
export function vmx(home: string, env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(root, 'bin/vmx.js'), ...args],
      { cwd: root, env: { ...cliEnv(home), ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`vmx ${args.join(' ')} failed (${error.code}):\n${stderr || stdout}`))
          : resolve(stdout),
    );
  });
}

/** The floor proxy (bench/floor-proxy.mjs) in front of the upstream; resolves with its URL. */
export const startFloorProxy = (upstreamOrigin: string) =>
  startListening('floor proxy', ['bench/floor-proxy.mjs', upstreamOrigin]);

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU time (user + system) a process has used so far, in µs, from /proc/<pid>/stat. */
export const cpuMicros = (pid: number): number => statCpuMicros(`/proc/${pid}/stat`);

/**
 * CPU time of a process's main thread alone (the event loop); the rest of the process's time is its
 * other threads: vmx's record writer, V8's garbage collection helpers, libuv's pool.
 */
export const mainThreadCpuMicros = (pid: number): number => statCpuMicros(`/proc/${pid}/task/${pid}/stat`);

function statCpuMicros(path: string): number {
  // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime are the 12th and 13th.
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
}

/** Resident memory of a process in kB, from /proc/<pid>/status (VmRSS). */
export function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

/** Resident memory of a process in MB (rounded), from /proc/<pid>/status. */
export const rssMb = (pid: number): number => Math.round(rssKb(pid) / 1024);

/** Starts dist/daemon/main.js on a free loopback port; resolves once the pidfile exists and /healthz answers. */
export async function startDaemon(
  home: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ url: string; child: ChildProcess }> {
  if (!existsSync(join(root, 'dist/daemon/main.js')))
    throw new Error('dist/daemon/main.js is missing: run `npm run build` (npm run bench does)');
  const { child, stderr } = start(
    ['dist/daemon/main.js', '--home', home, '--port', '0', '--log-format', 'none', '--grace-ms', '1000'],
    { ...cliEnv(home), ...env },
  );
  child.stdout!.resume();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`vmx daemon exited (${child.exitCode}) before listening:\n${stderr()}`);
    const pid = readPid(join(home, 'vmx.pid'));
    if (pid?.url && (await healthy(pid.url))) return { url: pid.url, child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`vmx daemon did not become healthy within 15 s:\n${stderr()}`);
}

function readPid(path: string): { url?: string } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { url?: string };
  } catch {
    return undefined;
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`)).ok;
  } catch {
    return false;
  }
}
